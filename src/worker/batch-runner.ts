import type { CheckResult, CheckTarget, StoryChecker } from '../checker/types.js';
import { countPendingItems, failBatch, finishBatch, startBatch } from '../core/batches/index.js';
import type { CoreDeps } from '../core/deps.js';
import { throttledWarn } from '../core/log-throttle.js';
import type { Logger } from '../core/logger.js';
import { BatchStop } from './batch-stop.js';
import { BatchWatcher, type WatcherDeps } from './batch-watcher.js';
import { GroupRecorder } from './group-recorder.js';
import type { Acquired, GlobalLimits, LocalGate } from './limits.js';
import { PendingWork } from './pending-work.js';
import type { EngineSettings, SettingsCache } from './settings-cache.js';

/** The most lanes one batch runs in one process; the global semaphore decides how many really check. */
export const MAX_LANES = 20;

export interface RunnerDeps extends WatcherDeps {
  checker: StoryChecker;
  limits: GlobalLimits;
  /** Shared by every batch this process runs (see LocalGate). */
  gate: LocalGate;
  settings: SettingsCache;
  log: Logger;
}

export type RunEnd = 'finished' | 'stopped' | 'gone';

/** What a lane does after one turn. */
type Turn = 'next' | 'end';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs one batch from its remaining batch_items (outcome null), so a fresh start and a resume after a
 * crash are the same code path. Ends with 'finished' (batch closed), 'stopped' (the process is shutting
 * down: no new checks were started, in-flight ones were recorded, the batch stays in progress for the
 * next worker), or 'gone' (the batch was already closed).
 */
export async function runBatch(deps: RunnerDeps, batchId: number, shutdown: AbortSignal): Promise<RunEnd> {
  const log = deps.log.child({ batchId });
  const started = await startBatch(deps.core, batchId);
  if (!started) return 'gone';
  log.info({ niche: started.nicheName, requested: started.requested }, 'batch running');
  const stop = new BatchStop(deps.core, batchId, shutdown, log);
  if (started.cancelRequestedAt) {
    stop.reason = 'cancel';
    stop.heardCancel();
  }
  await stop.listenForCancel();
  const run = new BatchRun(deps, batchId, stop, log);
  const watcher = new BatchWatcher(deps, batchId, stop, log);
  try {
    await run.work();
  } finally {
    await watcher.close();
    await stop.close();
  }
  return closeRun(deps.core, batchId, { stop, shutdown, exhausted: run.exhausted, log });
}

/** How the run ended, closing the batch where it is done (see runBatch). */
async function closeRun(
  core: CoreDeps,
  batchId: number,
  run: { stop: BatchStop; shutdown: AbortSignal; exhausted: boolean; log: Logger },
): Promise<RunEnd> {
  const { reason, detail } = run.stop;
  if (reason === 'closed') return 'gone';
  if (reason === 'no_route') {
    const left = await countPendingItems(core, batchId);
    const unchecked = `${left} profile${left === 1 ? '' : 's'} left unchecked`;
    await failBatch(core, batchId, `stopped, ${unchecked}: ${detail ?? 'no route is usable'}`);
    return 'finished';
  }
  if (run.shutdown.aborted && reason !== 'cancel' && !run.exhausted) {
    run.log.info('stopped for shutdown; the batch resumes on the next worker');
    return 'stopped';
  }
  if (reason !== 'cancel') {
    const left = await countPendingItems(core, batchId);
    // Checks whose answers could not be written: fail the job so BullMQ retries it, which resumes here.
    if (left > 0)
      throw new Error(`${left} profiles of batch ${batchId} are still open (database unreachable?)`);
  }
  await finishBatch(core, batchId);
  return 'finished';
}

/** A lane's place in the process's gate, left once however many paths leave it. */
function gateSeat(gate: LocalGate): () => void {
  let inGate = true;
  return () => {
    if (inGate) gate.leave();
    inGate = false;
  };
}

/**
 * The checking side of one batch run: MAX_LANES lanes, each taking a thread slot and room in the
 * window, checking a group and handing its answers to the writer in the background.
 */
class BatchRun {
  private readonly pending: PendingWork;
  private readonly recording: GroupRecorder;
  private readonly warnOnce: ReturnType<typeof throttledWarn>;

  constructor(
    private readonly deps: RunnerDeps,
    batchId: number,
    private readonly stop: BatchStop,
    private readonly log: Logger,
  ) {
    this.pending = new PendingWork(deps.core, batchId);
    this.recording = new GroupRecorder(deps.core, batchId, this.pending, stop, log);
    this.warnOnce = throttledWarn(log);
  }

  get exhausted(): boolean {
    return this.pending.exhausted;
  }

  /** Until the work is done or the run stops, and every answer taken is recorded. */
  async work(): Promise<void> {
    await Promise.all(Array.from({ length: MAX_LANES }, (_, i) => this.lane(i)));
    await this.recording.allDone();
  }

  private async lane(index: number): Promise<void> {
    while (!this.stop.stopping()) {
      if ((await this.turn(index)) === 'end') return;
    }
  }

  /** One turn of a lane: a thread slot and room for a group in the window, then one group checked. */
  private async turn(index: number): Promise<Turn> {
    const settings = await this.deps.settings.get();
    if (index >= settings.threads) {
      // A lane above the current thread setting idles until the setting rises or the work ends.
      if (this.pending.exhausted && this.pending.inflight.size === 0 && this.recording.size === 0)
        return 'end';
      await sleep(500);
      return 'next';
    }
    const size = Math.max(
      1,
      Math.min(await this.deps.checker.preferredGroupSize(), settings.profilesPerMinute),
    );
    if (this.pending.exhausted && this.pending.queued === 0 && this.recording.size === 0) return 'end';
    if (!(await this.deps.gate.enter(this.threadsNow, this.stop.stopping))) return 'end';
    const leaveGate = gateSeat(this.deps.gate);
    const got = await this.acquire(settings, size);
    if (!('token' in got)) leaveGate();
    if ('noThread' in got) {
      await sleep(40 + Math.random() * 80);
      return 'next';
    }
    if ('waitMs' in got) {
      await sleep(Math.min(got.waitMs, this.deps.pollMs));
      return 'next';
    }
    return this.checkGroup(got.token, size, leaveGate);
  }

  private readonly threadsNow = async () => (await this.deps.settings.get()).threads;

  /** One round trip for both caps: a thread slot and room for `size` starts in the window. */
  private acquire(settings: EngineSettings, size: number): Promise<Acquired> {
    return this.deps.limits
      .tryAcquire(settings.threads, size, settings.profilesPerMinute)
      .catch((err: unknown): Acquired => {
        this.warnOnce('caps', { err }, 'redis unavailable for the caps');
        return { waitMs: 1_000 };
      });
  }

  /** Takes a group and checks it under the thread slot `token`; the answers are recorded in the background. */
  private async checkGroup(token: string, size: number, leaveGate: () => void): Promise<Turn> {
    let group: CheckTarget[] = [];
    let released = false;
    try {
      if (this.stop.stopping()) return 'end';
      // A group smaller than reserved (the end of the batch) only leaves the window a little emptier.
      group = await this.pending.take(size);
      if (group.length === 0) return await this.awaitRecording();
      const results = await this.check(group);
      // The thread slot is for a check in flight at Instagram, not for writing its answer: release it
      // now and record in the background, so the next check starts without waiting for Postgres.
      this.deps.limits.releaseSoon(token);
      leaveGate();
      released = true;
      this.recording.record(group, results);
      group = [];
      // Bounded: a slow database slows the lanes instead of piling up answers in memory.
      while (this.recording.size > MAX_LANES * 2) await this.recording.oneDone();
    } catch (err) {
      this.log.warn({ err }, 'batch lane error; retrying');
      if (group.length > 0) this.pending.putBack(group);
      await sleep(1_000);
    } finally {
      if (!released) await this.deps.limits.releaseThread(token).catch(() => {});
      leaveGate();
    }
    return 'next';
  }

  /** Nothing to take: answers still being written may put profiles back (no answer), so wait and look again. */
  private async awaitRecording(): Promise<Turn> {
    if (this.recording.size === 0) return 'end';
    await this.recording.oneDone();
    return 'next';
  }

  private async check(group: CheckTarget[]): Promise<CheckResult[]> {
    try {
      return await this.deps.checker.check(group, { signal: this.stop.signal });
    } catch (err) {
      this.log.warn({ err, size: group.length }, 'checker threw; will retry these');
      await sleep(1_000);
      return [];
    }
  }
}
