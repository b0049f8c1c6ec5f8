import type { CheckTarget } from '../checker/types.js';
import { pendingItems } from '../core/batches/index.js';
import type { CoreDeps } from '../core/deps.js';

/**
 * A batch's open items as this process hands them to its lanes. One refill at a time; a pass walks the
 * pending items by username, and a pass that finds nothing new (everything left is in flight here) ends
 * the work. Items left null by a failed record are picked up by the next pass.
 */
export class PendingWork {
  /** Taken by a lane and neither recorded nor handed back yet. */
  readonly inflight = new Set<string>();
  /** A pass found nothing that is not in flight here: no more work will come. */
  exhausted = false;
  private readonly queue: CheckTarget[] = [];
  private readonly noAnswers = new Map<string, number>();
  private cursor = '';
  private passHadWork = false;
  private refilling: Promise<void> | undefined;

  constructor(
    private readonly core: Pick<CoreDeps, 'sql'>,
    private readonly batchId: number,
  ) {}

  /** Profiles taken but not handed to a lane yet. */
  get queued(): number {
    return this.queue.length;
  }

  /** Up to `n` profiles, now in flight; none once the work is exhausted. */
  async take(n: number): Promise<CheckTarget[]> {
    while (this.queue.length === 0 && !this.exhausted) {
      this.refilling ??= this.refill().finally(() => {
        this.refilling = undefined;
      });
      await this.refilling;
    }
    const group = this.queue.splice(0, n);
    for (const t of group) this.inflight.add(t.username);
    return group;
  }

  /** Hands profiles back to be taken first by the next lane. */
  putBack(group: CheckTarget[]): void {
    for (const t of group) this.inflight.delete(t.username);
    this.queue.unshift(...group);
  }

  /** The profile is no longer this process's to check (recorded, or left open for a later pass). */
  release(username: string): void {
    this.inflight.delete(username);
  }

  /** Counts a check of the profile that came back without its answer; returns how many did. */
  countNoAnswer(username: string): number {
    const n = (this.noAnswers.get(username) ?? 0) + 1;
    this.noAnswers.set(username, n);
    return n;
  }

  private async refill(): Promise<void> {
    for (;;) {
      const rows = await pendingItems(this.core, this.batchId, { after: this.cursor, limit: 500 });
      const fresh = rows.filter((r) => !this.inflight.has(r.username));
      if (rows.length > 0) this.cursor = rows[rows.length - 1]!.username;
      if (fresh.length > 0) {
        this.queue.push(...fresh);
        this.passHadWork = true;
        return;
      }
      if (rows.length > 0) continue;
      // End of a pass.
      if (!this.passHadWork) {
        this.exhausted = true;
        return;
      }
      this.cursor = '';
      this.passHadWork = false;
    }
  }
}
