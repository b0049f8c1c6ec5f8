import type { CheckResult, CheckTarget, StoryChecker, StoryCheckerExtras } from '../checker/types.js';
import {
  BATCH_CHANNEL,
  type Batch,
  countPendingItems,
  failBatch,
  finishBatch,
  getBatch,
  markCancelSeen,
  pendingItems,
  recordCheckResults,
  rememberUserIds,
  setBatchWaiting,
  startBatch,
} from '../core/batches/index.js';
import { notStarted } from '../core/checks.js';
import type { CoreDeps } from '../core/deps.js';
import { throttledWarn } from '../core/log-throttle.js';
import type { Logger } from '../core/logger.js';
import type { Acquired, GlobalLimits, LocalGate } from './limits.js';
import { ResultWriter } from './result-writer.js';
import type { SettingsCache } from './settings-cache.js';

/** The most lanes one batch runs in one process; the global semaphore decides how many really check. */
export const MAX_LANES = 20;
/** A profile whose check produced no recordable result this many times is closed as `unexpected`. */
const MAX_LOCAL_TRIES = 3;

export interface RunnerDeps {
  core: CoreDeps;
  checker: StoryChecker;
  limits: GlobalLimits;
  /** Shared by every batch this process runs (see LocalGate). */
  gate: LocalGate;
  settings: SettingsCache;
  log: Logger;
  /** How often the batch row is polled for a cancel request (and progress). */
  pollMs: number;
  /** Progress is published at most this often. */
  progressEveryMs: number;
  onProgress(batch: Batch): Promise<void>;
}

export type RunEnd = 'finished' | 'stopped' | 'gone';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs one batch from its remaining batch_items (outcome null), so a fresh start and a resume after a
 * crash are the same code path. Ends with 'finished' (batch closed), 'stopped' (the process is shutting
 * down: no new checks were started, in-flight ones were recorded, the batch stays in progress for the
 * next worker), or 'gone' (the batch was already closed).
 */
export async function runBatch(deps: RunnerDeps, batchId: number, shutdown: AbortSignal): Promise<RunEnd> {
  const log = deps.log.child({ batchId });
  const warnOnce = throttledWarn(log);
  const started = await startBatch(deps.core, batchId);
  if (!started) return 'gone';
  log.info({ niche: started.nicheName, requested: started.requested }, 'batch running');

  const stop: { reason: 'cancel' | 'closed' | 'no_route' | null; detail?: string } = {
    reason: started.cancelRequestedAt ? 'cancel' : null,
  };
  const stopping = () => stop.reason !== null || shutdown.aborted;
  // Reaches checks that wait for a proxy or a budget slot (a cancel, a shutdown, a stop): they return
  // at once unasked and stay open; requests already sent finish and are recorded.
  const waits = new AbortController();
  const stopWaiting = () => waits.abort();
  shutdown.addEventListener('abort', stopWaiting, { once: true });
  const heardCancel = () => {
    if (stop.reason === null) {
      stop.reason = 'cancel';
      log.info('cancel requested; finishing in-flight checks');
    }
    stopWaiting();
    // Only now does the `batch cancel` reply say "no new checks start".
    markCancelSeen(deps.core, batchId).catch((err: unknown) =>
      log.warn({ errMessage: (err as Error).message }, 'cannot confirm the cancel'),
    );
  };
  if (stop.reason === 'cancel') heardCancel();
  const cancelChannel = await deps.core.sql
    .listen(BATCH_CHANNEL, (payload) => {
      if (payload === `cancel:${batchId}`) heardCancel();
    })
    .catch((err: unknown) => {
      // The poll below still sees the cancel, within pollMs.
      log.warn({ errMessage: (err as Error).message }, 'cannot listen for cancels');
      return undefined;
    });
  const inflight = new Set<string>();
  const tries = new Map<string, number>();
  const queue: CheckTarget[] = [];
  let cursor = '';
  let passHadWork = false;
  let exhausted = false;
  let refilling: Promise<void> | undefined;

  // One refill at a time; a pass walks the pending items by username, and a pass that finds nothing
  // new (everything left is in flight here) ends the work. Items left null by a failed record are
  // picked up by the next pass.
  const refill = async () => {
    for (;;) {
      const rows = await pendingItems(deps.core, batchId, { after: cursor, limit: 500 });
      const fresh = rows.filter((r) => !inflight.has(r.username));
      if (rows.length > 0) cursor = rows[rows.length - 1]!.username;
      if (fresh.length > 0) {
        queue.push(...fresh);
        passHadWork = true;
        return;
      }
      if (rows.length > 0) continue;
      // End of a pass.
      if (!passHadWork) {
        exhausted = true;
        return;
      }
      cursor = '';
      passHadWork = false;
    }
  };

  const take = async (n: number): Promise<CheckTarget[]> => {
    while (queue.length === 0 && !exhausted) {
      refilling ??= refill().finally(() => {
        refilling = undefined;
      });
      await refilling;
    }
    const group = queue.splice(0, n);
    for (const t of group) inflight.add(t.username);
    return group;
  };

  const putBack = (group: CheckTarget[]) => {
    for (const t of group) inflight.delete(t.username);
    queue.unshift(...group);
  };

  const writer = new ResultWriter(async (results) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await recordCheckResults(deps.core, batchId, results);
        return true;
      } catch (err) {
        // Postgres away (restart, terminated connection): keep the answers and retry for about a minute;
        // after that the items stay open and a later pass (or a resumed job) checks them again. A retry
        // of a write that did commit changes nothing: each item is closed at most once.
        if (attempt >= 12) {
          log.error({ profiles: results.length, errMessage: (err as Error).message }, 'cannot record checks');
          return false;
        }
        await sleep(Math.min(5_000, 250 * 2 ** attempt));
      }
    }
  });

  const closeGroup = async (group: CheckTarget[], results: CheckResult[]) => {
    const noRoute = results.find((r) => r.outcome === 'no_route');
    if (noRoute && stop.reason === null) {
      // No route of a step can be used: stop instead of recording answers nobody gave.
      stop.reason = 'no_route';
      stop.detail = noRoute.detail ?? 'no route is usable';
      stopWaiting();
      log.warn({ detail: stop.detail }, 'batch stops: no Instagram route is usable');
    }
    const byName = new Map(
      results.filter((r) => r.outcome !== 'no_route').map((r) => [r.username.toLowerCase(), r]),
    );
    const again: CheckTarget[] = [];
    const writes: Promise<unknown>[] = [];
    const learned = results.flatMap((r) =>
      notStarted(r) && r.igUserId ? [{ username: r.username, igUserId: r.igUserId }] : [],
    );
    if (learned.length > 0)
      writes.push(
        rememberUserIds(deps.core, learned).catch((err: unknown) =>
          log.warn({ errMessage: (err as Error).message }, 'cannot cache learned ids'),
        ),
      );
    for (const t of group) {
      let result = byName.get(t.username);
      if (result && notStarted(result)) {
        inflight.delete(t.username);
        continue;
      }
      if (!result && stop.reason === 'no_route') {
        inflight.delete(t.username);
        continue;
      }
      if (!result) {
        const n = (tries.get(t.username) ?? 0) + 1;
        tries.set(t.username, n);
        if (n < MAX_LOCAL_TRIES) {
          again.push(t);
          continue;
        }
        result = {
          username: t.username,
          outcome: 'unexpected',
          attempts: n,
          detail: 'no answer from the checker',
        };
      }
      writes.push(writer.add(result).finally(() => inflight.delete(t.username)));
    }
    await Promise.all(writes);
    if (again.length > 0) putBack(again);
    // Nothing could even be asked (Redis away): let the group rest before the next pass picks it up.
    if (group.length > 0 && results.length > 0 && results.every(notStarted) && !stopping())
      await sleep(1_000);
  };

  const recording = new Set<Promise<void>>();

  const lane = async (index: number) => {
    while (!stopping()) {
      const settings = await deps.settings.get();
      if (index >= settings.threads) {
        // A lane above the current thread setting idles until the setting rises or the work ends.
        if (exhausted && inflight.size === 0 && recording.size === 0) return;
        await sleep(500);
        continue;
      }
      const size = Math.max(1, Math.min(await deps.checker.preferredGroupSize(), settings.profilesPerMinute));
      if (exhausted && queue.length === 0 && recording.size === 0) return;
      const threadsNow = async () => (await deps.settings.get()).threads;
      if (!(await deps.gate.enter(threadsNow, stopping))) return;
      let inGate = true;
      const leaveGate = () => {
        if (inGate) deps.gate.leave();
        inGate = false;
      };
      // One round trip for both caps: a thread slot and room for `size` starts in the window.
      const got = await deps.limits
        .tryAcquire(settings.threads, size, settings.profilesPerMinute)
        .catch((err: unknown): Acquired => {
          warnOnce('caps', { errMessage: (err as Error).message }, 'redis unavailable for the caps');
          return { waitMs: 1_000 };
        });
      if (!('token' in got)) leaveGate();
      if ('noThread' in got) {
        await sleep(40 + Math.random() * 80);
        continue;
      }
      if ('waitMs' in got) {
        await sleep(Math.min(got.waitMs, deps.pollMs));
        continue;
      }
      const token = got.token;
      let group: CheckTarget[] = [];
      let released = false;
      try {
        if (stopping()) return;
        // A group smaller than reserved (the end of the batch) only leaves the window a little emptier.
        group = await take(size);
        if (group.length === 0) {
          if (recording.size === 0) return;
          // Answers still being written may put profiles back (no answer): wait and look again.
          await Promise.race(recording);
          continue;
        }
        let results: CheckResult[] = [];
        try {
          results = await deps.checker.check(group, { signal: waits.signal });
        } catch (err) {
          log.warn(
            { errMessage: (err as Error).message, size: group.length },
            'checker threw; will retry these',
          );
          await sleep(1_000);
        }
        // The thread slot is for a check in flight at Instagram, not for writing its answer: release it
        // now and record in the background, so the next check starts without waiting for Postgres.
        deps.limits.releaseSoon(token);
        leaveGate();
        released = true;
        const closing: Promise<void> = closeGroup(group, results).finally(() => recording.delete(closing));
        recording.add(closing);
        group = [];
        // Bounded: a slow database slows the lanes instead of piling up answers in memory.
        while (recording.size > MAX_LANES * 2) await Promise.race(recording);
      } catch (err) {
        log.warn({ errMessage: (err as Error).message }, 'batch lane error; retrying');
        if (group.length > 0) putBack(group);
        await sleep(1_000);
      } finally {
        if (!released) await deps.limits.releaseThread(token).catch(() => {});
        leaveGate();
      }
    }
  };

  // Watches for cancel requests and closed batches, and publishes progress at most every few seconds.
  let watching = true;
  let wake: () => void = () => {};
  const nap = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      wake = () => {
        clearTimeout(t);
        r();
      };
    });
  const checker = deps.checker as StoryChecker & StoryCheckerExtras;
  let lastWaiting: string | null = null;
  const watcher = (async () => {
    let lastProgressAt = 0;
    let lastChecked = -1;
    while (watching) {
      await nap(deps.pollMs);
      if (!watching) break;
      try {
        const b = await getBatch(deps.core, batchId);
        if (b?.status !== 'in_progress') stop.reason = 'closed';
        else if (b.cancelRequestedAt && !b.cancelSeenAt) heardCancel();
        if (stop.reason !== null) stopWaiting();
        const waiting = stop.reason === null ? (checker.waitingReason?.() ?? null) : null;
        if (waiting !== lastWaiting) {
          await setBatchWaiting(deps.core, batchId, waiting);
          lastWaiting = waiting;
        }
        if (b && b.checked !== lastChecked && Date.now() - lastProgressAt >= deps.progressEveryMs) {
          lastChecked = b.checked;
          lastProgressAt = Date.now();
          await deps.onProgress(b).catch((err: unknown) => {
            log.warn({ errMessage: (err as Error).message }, 'cannot publish progress');
          });
        }
      } catch (err) {
        log.warn({ errMessage: (err as Error).message }, 'cannot poll the batch');
      }
    }
  })();

  try {
    await Promise.all(Array.from({ length: MAX_LANES }, (_, i) => lane(i)));
    await Promise.all(recording);
  } finally {
    watching = false;
    wake();
    await watcher;
    shutdown.removeEventListener('abort', stopWaiting);
    await cancelChannel?.unlisten().catch(() => {});
  }

  if (stop.reason === 'closed') return 'gone';
  if (stop.reason === 'no_route') {
    const left = await countPendingItems(deps.core, batchId);
    await failBatch(
      deps.core,
      batchId,
      `stopped, ${left} profile${left === 1 ? '' : 's'} left unchecked: ${stop.detail ?? 'no route is usable'}`,
    );
    return 'finished';
  }
  if (shutdown.aborted && stop.reason !== 'cancel' && !exhausted) {
    log.info('stopped for shutdown; the batch resumes on the next worker');
    return 'stopped';
  }
  if (stop.reason !== 'cancel') {
    const left = await countPendingItems(deps.core, batchId);
    // Checks whose answers could not be written: fail the job so BullMQ retries it, which resumes here.
    if (left > 0)
      throw new Error(`${left} profiles of batch ${batchId} are still open (database unreachable?)`);
  }
  await finishBatch(deps.core, batchId);
  return 'finished';
}
