import type { Redis } from 'ioredis';

/**
 * Public profiles known to have a live story right now, shared by all workers. A logged-in answer
 * that shows no story for a whole chunk is checked against them: a live session sees their stories,
 * a dead cookie answering an empty success does not.
 */
export class Witnesses {
  private lastAddAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(): string {
    return `${this.prefix}:witnesses`;
  }

  /** Remembers a few live public stories (at most one write every 10 s per process: a handful is enough). */
  async offer(live: ReadonlyArray<{ id: string; expiresAtMs: number }>, force = false): Promise<void> {
    if (live.length === 0) return;
    const now = this.now();
    if (!force && now - this.lastAddAt < 10_000) return;
    this.lastAddAt = now;
    const pipe = this.redis.pipeline();
    for (const w of live.slice(0, 5)) pipe.zadd(this.key(), w.expiresAtMs, w.id);
    pipe.zremrangebyscore(this.key(), '-inf', now);
    // Keep the 20 that live longest.
    pipe.zremrangebyrank(this.key(), 0, -21);
    pipe.pexpire(this.key(), 86_400_000);
    await pipe.exec();
  }

  /** Up to `n` ids whose story lives at least 15 more minutes, longest-living first. */
  async pick(n: number, exclude: ReadonlySet<string>): Promise<string[]> {
    const ids = await this.redis.zrevrangebyscore(
      this.key(),
      '+inf',
      this.now() + 15 * 60_000,
      'LIMIT',
      0,
      n + exclude.size,
    );
    return ids.filter((id) => !exclude.has(id)).slice(0, n);
  }

  async forget(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.redis.zrem(this.key(), ...ids);
  }
}
