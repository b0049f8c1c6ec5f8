import type { CheckResult, CheckTarget } from '../checker/types.js';
import { recordCheckResults, rememberUserIds } from '../core/batches/index.js';
import { notStarted } from '../core/checks.js';
import type { CoreDeps } from '../core/deps.js';
import type { Logger } from '../core/logger.js';
import type { BatchStop } from './batch-stop.js';
import type { PendingWork } from './pending-work.js';
import { ResultWriter } from './result-writer.js';

/** A profile whose check produced no recordable result this many times is closed as `unexpected`. */
const MAX_LOCAL_TRIES = 3;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Records a batch's checked groups in the background, after their thread slot was released: writes the
 * answers, hands profiles without an answer back to be tried again, and stops the batch on `no_route`.
 */
export class GroupRecorder {
  private readonly writer: ResultWriter;
  private readonly recording = new Set<Promise<void>>();

  constructor(
    private readonly core: CoreDeps,
    batchId: number,
    private readonly pending: PendingWork,
    private readonly stop: BatchStop,
    private readonly log: Logger,
  ) {
    this.writer = new ResultWriter(recordWithRetry(core, batchId, log));
  }

  /** Groups being recorded now. */
  get size(): number {
    return this.recording.size;
  }

  record(group: CheckTarget[], results: CheckResult[]): void {
    const closing: Promise<void> = this.closeGroup(group, results).finally(() =>
      this.recording.delete(closing),
    );
    this.recording.add(closing);
  }

  /** Until one of the groups being recorded is done. */
  async oneDone(): Promise<void> {
    await Promise.race(this.recording);
  }

  async allDone(): Promise<void> {
    await Promise.all(this.recording);
  }

  /** Writes a checked group's answers, and hands back the profiles that got none to be tried again. */
  private async closeGroup(group: CheckTarget[], results: CheckResult[]): Promise<void> {
    const noRoute = results.find((r) => r.outcome === 'no_route');
    if (noRoute) this.stop.noRoute(noRoute.detail ?? 'no route is usable');
    const byName = new Map(
      results.filter((r) => r.outcome !== 'no_route').map((r) => [r.username.toLowerCase(), r]),
    );
    const again: CheckTarget[] = [];
    const writes: Promise<unknown>[] = [this.rememberLearnedIds(results)];
    for (const t of group) {
      const settled = this.settle(t, byName.get(t.username));
      if (settled === 'open') this.pending.release(t.username);
      else if (settled === 'again') again.push(t);
      else writes.push(this.writer.add(settled).finally(() => this.pending.release(t.username)));
    }
    await Promise.all(writes);
    if (again.length > 0) this.pending.putBack(again);
    // Nothing could even be asked (Redis away): let the group rest before the next pass picks it up.
    if (group.length > 0 && results.length > 0 && results.every(notStarted) && !this.stop.stopping())
      await sleep(1_000);
  }

  /** One profile of a checked group: its answer to write, another try here, or left open for a later pass. */
  private settle(t: CheckTarget, result: CheckResult | undefined): CheckResult | 'again' | 'open' {
    if (result && notStarted(result)) return 'open';
    if (!result && this.stop.reason === 'no_route') return 'open';
    if (result) return result;
    const n = this.pending.countNoAnswer(t.username);
    if (n < MAX_LOCAL_TRIES) return 'again';
    return { username: t.username, outcome: 'unexpected', attempts: n, detail: 'no answer from the checker' };
  }

  /** Instagram ids learned by checks that did not start (the lookup worked, the story request did not). */
  private async rememberLearnedIds(results: CheckResult[]): Promise<void> {
    const learned = results.flatMap((r) =>
      notStarted(r) && r.igUserId ? [{ username: r.username, igUserId: r.igUserId }] : [],
    );
    if (learned.length === 0) return;
    await rememberUserIds(this.core, learned).catch((err: unknown) =>
      this.log.warn({ err }, 'cannot cache learned ids'),
    );
  }
}

/**
 * Writes one group of answers. Postgres away (restart, terminated connection): keep the answers and
 * retry for about a minute; after that the items stay open and a later pass (or a resumed job) checks
 * them again. A retry of a write that did commit changes nothing: each item is closed at most once.
 */
function recordWithRetry(core: CoreDeps, batchId: number, log: Logger) {
  return async (results: CheckResult[]): Promise<boolean> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await recordCheckResults(core, batchId, results);
        return true;
      } catch (err) {
        if (attempt >= 12) {
          log.error({ profiles: results.length, err }, 'cannot record checks');
          return false;
        }
        await sleep(Math.min(5_000, 250 * 2 ** attempt));
      }
    }
  };
}
