import type { StoryChecker, StoryCheckerExtras } from '../checker/types.js';
import { type Batch, getBatch, setBatchWaiting } from '../core/batches/index.js';
import type { CoreDeps } from '../core/deps.js';
import type { Logger } from '../core/logger.js';
import type { BatchStop } from './batch-stop.js';

export interface WatcherDeps {
  core: CoreDeps;
  checker: StoryChecker;
  /** How often the batch row is polled for a cancel request (and progress). */
  pollMs: number;
  /** Progress is published at most this often. */
  progressEveryMs: number;
  onProgress(batch: Batch): Promise<void>;
}

/**
 * Watches a running batch's row for cancel requests and a close from elsewhere, writes what the
 * checker is waiting for, and publishes progress at most every few seconds. Runs until `close()`.
 */
export class BatchWatcher {
  private watching = true;
  private wake: () => void = () => {};
  private lastWaiting: string | null = null;
  private lastProgressAt = 0;
  private lastChecked = -1;
  private readonly loop: Promise<void>;

  constructor(
    private readonly deps: WatcherDeps,
    private readonly batchId: number,
    private readonly stop: BatchStop,
    private readonly log: Logger,
  ) {
    this.loop = this.watch();
  }

  async close(): Promise<void> {
    this.watching = false;
    this.wake();
    await this.loop;
  }

  private async watch(): Promise<void> {
    while (this.watching) {
      await this.nap(this.deps.pollMs);
      if (!this.watching) break;
      try {
        await this.look();
      } catch (err) {
        this.log.warn({ err }, 'cannot poll the batch');
      }
    }
  }

  private async look(): Promise<void> {
    const b = await getBatch(this.deps.core, this.batchId);
    if (b?.status !== 'in_progress') this.stop.reason = 'closed';
    else if (b.cancelRequestedAt && !b.cancelSeenAt) this.stop.heardCancel();
    if (this.stop.reason !== null) this.stop.stopWaiting();
    const checker = this.deps.checker as StoryChecker & StoryCheckerExtras;
    const waiting = this.stop.reason === null ? (checker.waitingReason?.() ?? null) : null;
    if (waiting !== this.lastWaiting) {
      await setBatchWaiting(this.deps.core, this.batchId, waiting);
      this.lastWaiting = waiting;
    }
    if (
      b &&
      b.checked !== this.lastChecked &&
      Date.now() - this.lastProgressAt >= this.deps.progressEveryMs
    ) {
      this.lastChecked = b.checked;
      this.lastProgressAt = Date.now();
      await this.deps.onProgress(b).catch((err: unknown) => {
        this.log.warn({ err }, 'cannot publish progress');
      });
    }
  }

  /** Sleeps `ms`, or less when `close()` wakes it. */
  private nap(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      this.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }
}
