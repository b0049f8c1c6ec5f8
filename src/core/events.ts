import { events } from './db/schema/index.js';
import type { CoreDeps } from './deps.js';
import { maskSecrets } from './mask.js';

export type EventKind =
  | 'niche'
  | 'import'
  | 'profile'
  | 'target'
  | 'settings'
  | 'proxy'
  | 'session'
  | 'batch'
  | 'error'
  | 'auth'
  | 'digest'
  | 'delivery';

export interface EventInput {
  kind: EventKind;
  level?: 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

/**
 * Appends to the operator-facing log (imports, batch statistics, errors, proxy performance). The
 * message is masked because events are shown in chat by `stats`.
 */
export async function recordEvent(deps: Pick<CoreDeps, 'db' | 'clock'>, input: EventInput): Promise<void> {
  await deps.db.insert(events).values({
    at: deps.clock.now(),
    kind: input.kind,
    level: input.level ?? 'info',
    message: maskSecrets(input.message),
    data: input.data ?? {},
  });
}
