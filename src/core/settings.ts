import { SELECTION_POLICIES } from './batches/types.js';
import type { CoreDeps } from './deps.js';
import { UserError } from './errors.js';
import { recordEvent } from './events.js';

export const RATE_LIMITS = { min: 1, max: 600 } as const;
export const THREAD_LIMITS = { min: 1, max: 20 } as const;
/** Days a finished batch (with its items), an event or a sent/failed delivery is kept (core/retention.ts). */
export const RETENTION_LIMITS = { min: 1, max: 3650 } as const;
export const RETENTION_KINDS = ['batches', 'events', 'deliveries'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];
/**
 * How a batch picks its profiles: `yield` ranks by each profile's own story history (smoothed, with a
 * little exploration), `oldest` takes the longest-unchecked first. `yield` is the default because
 * bench/selection.ts found more stories per 100 checks with it at equal budgets.
 */
export { SELECTION_POLICIES } from './batches/types.js';

export interface Settings {
  profilesPerMinute: number;
  threads: number;
  selectionPolicy: string;
  keepBatchesDays: number;
  keepEventsDays: number;
  keepDeliveriesDays: number;
  updatedAt: Date | null;
}

/** The schema's defaults, used until the operator changes something (the row is created on first set). */
const DEFAULTS: Settings = {
  profilesPerMinute: 60,
  threads: 3,
  selectionPolicy: 'yield',
  keepBatchesDays: 30,
  keepEventsDays: 30,
  keepDeliveriesDays: 14,
  updatedAt: null,
};

const COLUMNS = `profiles_per_minute as "profilesPerMinute", threads, selection_policy as "selectionPolicy",
  keep_batches_days as "keepBatchesDays", keep_events_days as "keepEventsDays",
  keep_deliveries_days as "keepDeliveriesDays", updated_at as "updatedAt"`;

export async function getSettings(deps: Pick<CoreDeps, 'sql'>): Promise<Settings> {
  const [row] = await deps.sql.unsafe<Settings[]>(`select ${COLUMNS} from settings where id = 1`);
  return row ?? DEFAULTS;
}

function checkRange(value: number, limits: { min: number; max: number }, what: string, code: string): number {
  if (!Number.isSafeInteger(value) || value < limits.min || value > limits.max) {
    throw new UserError(
      code,
      `${what} must be a whole number from ${limits.min} to ${limits.max}; got ${value}.`,
      {
        ...limits,
      },
    );
  }
  return value;
}

type Deps = Pick<CoreDeps, 'sql' | 'db' | 'clock'>;

/** Running batches read the settings row fresh, so a change applies to them within a minute. */
export async function setProfilesPerMinute(
  deps: Deps,
  value: number,
): Promise<{ previous: number; settings: Settings }> {
  checkRange(value, RATE_LIMITS, 'Profiles per minute', 'rate_out_of_range');
  return update(deps, 'profiles_per_minute', 'profilesPerMinute', value, 'Profiles per minute');
}

export async function setThreads(
  deps: Deps,
  value: number,
): Promise<{ previous: number; settings: Settings }> {
  checkRange(value, THREAD_LIMITS, 'Threads', 'threads_out_of_range');
  return update(deps, 'threads', 'threads', value, 'Threads');
}

export async function setSelectionPolicy(
  deps: Deps,
  value: string,
): Promise<{ previous: string; settings: Settings }> {
  const policy = value.toLowerCase();
  if (!(SELECTION_POLICIES as readonly string[]).includes(policy)) {
    throw new UserError(
      'policy_unknown',
      `Selection policy must be one of ${SELECTION_POLICIES.join(', ')}; got "${value}".`,
      { accepted: [...SELECTION_POLICIES] },
    );
  }
  return update(deps, 'selection_policy', 'selectionPolicy', policy, 'Selection policy');
}

const RETENTION_COLUMNS = {
  batches: { column: 'keep_batches_days', key: 'keepBatchesDays', label: 'Batch retention (days)' },
  events: { column: 'keep_events_days', key: 'keepEventsDays', label: 'Event retention (days)' },
  deliveries: {
    column: 'keep_deliveries_days',
    key: 'keepDeliveriesDays',
    label: 'Delivery retention (days)',
  },
} as const;

/**
 * How many days finished batches (with their items), events, or sent/failed deliveries are kept; the
 * scheduler's next purge applies it. Queued deliveries and running batches are never purged.
 */
export async function setRetention(
  deps: Deps,
  kind: string,
  days: number,
): Promise<{ kind: RetentionKind; previous: number; settings: Settings }> {
  const k = kind.toLowerCase();
  if (!(RETENTION_KINDS as readonly string[]).includes(k)) {
    throw new UserError(
      'retention_kind_unknown',
      `Retention is set for one of ${RETENTION_KINDS.join(', ')}; got "${kind}".`,
      { accepted: [...RETENTION_KINDS] },
    );
  }
  const { column, key, label } = RETENTION_COLUMNS[k as RetentionKind];
  checkRange(days, RETENTION_LIMITS, `Days to keep ${k}`, 'retention_out_of_range');
  const r = await update(deps, column, key, days, label);
  return { kind: k as RetentionKind, ...r };
}

type UpdatableKey = Exclude<keyof Settings, 'updatedAt'>;

async function update<K extends UpdatableKey>(
  deps: Deps,
  column:
    | 'profiles_per_minute'
    | 'threads'
    | 'selection_policy'
    | 'keep_batches_days'
    | 'keep_events_days'
    | 'keep_deliveries_days',
  key: K,
  value: Settings[K],
  label: string,
): Promise<{ previous: Settings[K]; settings: Settings }> {
  const previous = (await getSettings(deps))[key];
  const now = deps.clock.now();
  // The column name is one of the literals above, never operator input.
  const [row] = await deps.sql.unsafe<Settings[]>(
    `insert into settings (id, ${column}, updated_at) values (1, $1, $2)
     on conflict (id) do update set ${column} = excluded.${column}, updated_at = excluded.updated_at
     returning ${COLUMNS}`,
    [value, now],
  );
  if (!row) throw new Error('settings upsert returned no row');
  await recordEvent(deps, {
    kind: 'settings',
    message: `${label} set to ${value} (was ${previous})`,
    data: { [key]: value, previous },
  });
  return { previous, settings: row };
}
