import type { CoreDeps } from '../core/deps.js';
import { getInstagramConfig, INSTAGRAM_DEFAULTS, type InstagramConfig } from '../core/instagram/index.js';

/**
 * The operator's Instagram identifiers and route orders, re-read on every proxy/session/settings
 * change notice and at least every `refreshMs`, so `instagram set` reaches running checks within
 * seconds. Reading is synchronous: this sits on every request's path.
 */
export class ConfigCache {
  private value: InstagramConfig = INSTAGRAM_DEFAULTS;
  private loading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: Pick<CoreDeps, 'sql' | 'log'>,
    private readonly refreshMs = 10_000,
  ) {}

  get(): InstagramConfig {
    return this.value;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  refresh(): Promise<void> {
    this.loading ??= getInstagramConfig(this.deps)
      .then((c) => {
        this.value = c;
      })
      .catch((err: unknown) => {
        this.deps.log.warn({ err }, 'cannot read the Instagram settings; keeping the last ones');
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
