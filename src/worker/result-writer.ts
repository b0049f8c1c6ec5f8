import type { CheckResult } from '../checker/types.js';

/**
 * Writes a batch's check answers in groups, with at most one write in flight. An answer waits up to
 * `lingerMs` for others to join it (answers come in bursts: twenty threads started together come back
 * together), and answers that arrive while a write is under way go in the next one. The thread slot is
 * released before the answer is handed here, so the wait delays only the bookkeeping, never a check;
 * in exchange one statement, one commit and one update of the batch row carry about twenty answers.
 */
export class ResultWriter {
  private pending: Array<{ result: CheckResult; done: (written: boolean) => void }> = [];
  private writing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Writes one group; resolves true when written, false when given up (the items stay open). */
    private readonly write: (results: CheckResult[]) => Promise<boolean>,
    private readonly options: { lingerMs: number; maxGroup: number } = { lingerMs: 20, maxGroup: 200 },
  ) {}

  /** Resolves once the answer is written (true) or given up (false). */
  add(result: CheckResult): Promise<boolean> {
    return new Promise((done) => {
      this.pending.push({ result, done });
      if (this.writing) return;
      if (this.pending.length >= this.options.maxGroup) this.startNow();
      else this.timer ??= setTimeout(() => this.startNow(), this.options.lingerMs);
    });
  }

  private startNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.writing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const group = this.pending.splice(0, this.options.maxGroup);
        let written = false;
        try {
          written = await this.write(group.map((g) => g.result));
        } finally {
          for (const g of group) g.done(written);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
