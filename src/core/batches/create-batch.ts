import type { BatchOrigin } from '../db/schema/index.js';
import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { activeBatchForNiche, findNiche, getBatch } from './queries.js';
import { selectProfilesInto } from './select-profiles.js';
import { type Batch, isSelectionPolicy, type SelectionPolicy } from './types.js';

/** The one advice when no proxy can carry a check: the same words wherever it is said. */
export const NO_PROXY_ADVICE =
  'There is no usable proxy (none added, or all disabled or dead). Add one with `proxy add ip:port:user:pass`, then check it with `proxy test`.';

/**
 * A niche name as one word of a suggested command, in a chat and in a shell alike: double-quoted
 * unless it is letters, digits and `_.-` only (`import "travel & vanlife"`).
 */
function asWord(name: string): string {
  return /^[\p{L}\p{N}_.-]+$/u.test(name) ? name : `"${name}"`;
}

/** `word` is the name as the reader types it (front-ends quote it for a shell: see quoteWord). */
export function nicheEmptyMessage(name: string, word: string): string {
  return `Niche "${name}" has no active profiles to check. Import usernames into it first (\`import ${word}\` with a .txt file).`;
}

export interface CreateBatchInput {
  /** Niche name (any case) or id. */
  niche: string | number;
  count: number;
  trigger: 'manual' | 'auto';
  origin?: BatchOrigin | null;
  /** Defaults to the operator's setting (settings.selection_policy). */
  policy?: SelectionPolicy;
  /** ALLOW_DIRECT: checks may run without a proxy. */
  allowDirect: boolean;
}

function alreadyRunning(name: string, batch: { id: number; status: string } | undefined): UserError {
  const which = batch ? ` (#${batch.id}, ${batch.status.replace('_', ' ')})` : '';
  return new UserError(
    'batch_active',
    `A batch is already running for ${name}${which}. Wait for it to finish or stop it with \`batch cancel ${batch ? batch.id : asWord(name)}\`.`,
    batch ? { batchId: batch.id } : undefined,
  );
}

/**
 * Creates a pending batch and its list of profiles, after pre-checks that each fail with a clear reason
 * and no batch row. The partial unique index batches_one_active_per_niche_uq has the final word, so two
 * triggers racing past the pre-check still produce exactly one batch.
 */
export async function createBatch(deps: CoreDeps, input: CreateBatchInput): Promise<Batch> {
  const niche = await findNiche(deps, input.niche);
  const [counts] = await deps.sql<Array<{ active: number; proxies: number; policy: string }>>`
    select
      (select count(*)::int from profiles where niche_id = ${niche.id} and status = 'active') as active,
      (select count(*)::int from proxies where enabled and health <> 'dead') as proxies,
      coalesce((select selection_policy from settings where id = 1), 'yield') as policy`;
  const active = counts?.active ?? 0;
  if (active === 0) {
    throw new UserError('niche_empty', nicheEmptyMessage(niche.name, asWord(niche.name)), {
      niche: niche.name,
    });
  }
  const existing = await activeBatchForNiche(deps, niche.id);
  if (existing) throw alreadyRunning(niche.name, existing);
  if ((counts?.proxies ?? 0) === 0 && !input.allowDirect) {
    throw new UserError('no_proxies', NO_PROXY_ADVICE);
  }
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > active) {
    throw new UserError(
      'bad_count',
      `The profile count must be a whole number from 1 to ${active} (the active profiles in ${niche.name}); got ${input.count}.`,
    );
  }
  const settingPolicy = counts?.policy ?? 'yield';
  const policy: SelectionPolicy =
    input.policy ?? (isSelectionPolicy(settingPolicy) ? settingPolicy : 'yield');
  const now = deps.clock.now();

  let batchId: number;
  try {
    batchId = await deps.sql.begin(async (tx) => {
      const [row] = await tx<Array<{ id: number }>>`
        insert into batches (niche_id, niche_name, trigger, policy, requested, origin, created_at)
        values (${niche.id}, ${niche.name}, ${input.trigger}, ${policy}, ${input.count},
                ${input.origin ? tx.json(input.origin as unknown as Parameters<typeof tx.json>[0]) : null}, ${now})
        returning id`;
      const id = Number(row!.id);
      const chosen = await selectProfilesInto(tx, id, niche.id, input.count, policy, now);
      // Profiles may have been deleted between the count and now; the batch asks for what it got.
      if (chosen !== input.count) {
        if (chosen === 0)
          throw new UserError('niche_empty', `${niche.name} has no active profiles to check.`);
        await tx`update batches set requested = ${chosen} where id = ${id}`;
      }
      return id;
    });
  } catch (err) {
    const pgErr = err as { code?: string; constraint_name?: string };
    if (pgErr.code === '23505' && pgErr.constraint_name === 'batches_one_active_per_niche_uq') {
      throw alreadyRunning(niche.name, await activeBatchForNiche(deps, niche.id));
    }
    throw err;
  }
  deps.log.info(
    { batchId, niche: niche.name, count: input.count, trigger: input.trigger, policy },
    'batch created',
  );
  const batch = await getBatch(deps, batchId);
  if (!batch) throw new Error(`batch ${batchId} vanished right after creation`);
  return batch;
}
