import { markCancelSeen, onBatchCancel } from '../core/batches/index.js';
import type { CoreDeps } from '../core/deps.js';
import type { Logger } from '../core/logger.js';

export type StopReason = 'cancel' | 'closed' | 'no_route';

/**
 * Why a running batch stops starting checks (a cancel, the batch closed elsewhere, no usable route),
 * and the signal that reaches checks waiting for a proxy or a budget slot: on a cancel, a shutdown or
 * a stop they return at once unasked and stay open; requests already sent finish and are recorded.
 */
export class BatchStop {
  reason: StopReason | null = null;
  detail: string | undefined;
  private readonly waits = new AbortController();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly core: CoreDeps,
    private readonly batchId: number,
    private readonly shutdown: AbortSignal,
    private readonly log: Logger,
  ) {
    shutdown.addEventListener('abort', this.stopWaiting, { once: true });
  }

  /** Handed to checks: aborted when they should stop waiting. */
  get signal(): AbortSignal {
    return this.waits.signal;
  }

  readonly stopping = (): boolean => this.reason !== null || this.shutdown.aborted;

  readonly stopWaiting = (): void => this.waits.abort();

  /** A cancel request reached this run (the row, or a notification). */
  readonly heardCancel = (): void => {
    if (this.reason === null) {
      this.reason = 'cancel';
      this.log.info('cancel requested; finishing in-flight checks');
    }
    this.stopWaiting();
    // Only now does the `batch cancel` reply say "no new checks start".
    markCancelSeen(this.core, this.batchId).catch((err: unknown) =>
      this.log.warn({ err }, 'cannot confirm the cancel'),
    );
  };

  /** The first no_route answer stops the batch instead of recording answers nobody gave. */
  noRoute(detail: string): void {
    if (this.reason !== null) return;
    this.reason = 'no_route';
    this.detail = detail;
    this.stopWaiting();
    this.log.warn({ detail }, 'batch stops: no Instagram route is usable');
  }

  /** Hears a cancel the moment it is requested; without the channel the watcher's poll sees it. */
  async listenForCancel(): Promise<void> {
    this.unlisten = await onBatchCancel(this.core, this.batchId, this.heardCancel).catch((err: unknown) => {
      // The poll still sees the cancel, within pollMs.
      this.log.warn({ err }, 'cannot listen for cancels');
      return undefined;
    });
  }

  async close(): Promise<void> {
    this.shutdown.removeEventListener('abort', this.stopWaiting);
    await this.unlisten?.().catch(() => {});
  }
}
