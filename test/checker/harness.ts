import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  createStoryChecker,
  type RunningStoryChecker,
  type StoryCheckerOptions,
} from '../../src/checker/index.js';
import { addProxies } from '../../src/core/proxies/index.js';
import { type ConnectProxy, startConnectProxies, stopAll } from '../fakes/connect-proxy.js';
import {
  type FakeInstagram,
  type FakeInstagramOptions,
  startFakeInstagram,
} from '../fakes/fake-instagram.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';
import { deleteRedisPrefix } from '../helpers/redis.js';

export const PROXY_USER = 'proxyuser';
export const PROXY_PASSWORD = 'S3cretProxyPass!';

export interface Harness {
  deps: TestDeps;
  fake: FakeInstagram;
  proxies: ConnectProxy[];
  redis: Redis;
  prefix: string;
  checkers: RunningStoryChecker[];
  /** Proxy ids in the same order as `proxies`. */
  proxyIds: number[];
  startChecker(options?: Partial<StoryCheckerOptions>): Promise<RunningStoryChecker>;
  /** The loopback address the fake sees for the proxy with this index. */
  ipOf(index: number): string;
  close(): Promise<void>;
}

/** A fake Instagram, `proxyCount` local CONNECT proxies stored as the operator would add them, and Redis. */
export async function createHarness(
  options: { proxyCount?: number; fake?: FakeInstagramOptions } = {},
): Promise<Harness> {
  const deps = await createTestDeps();
  const fake = await startFakeInstagram(options.fake ?? {});
  const proxies = await startConnectProxies(options.proxyCount ?? 2, {
    username: PROXY_USER,
    password: PROXY_PASSWORD,
  });
  const proxyIds: number[] = [];
  if (proxies.length > 0) {
    const added = await addProxies(deps, proxies.map((p) => p.line).join('\n'));
    proxyIds.push(...added.added.map((a) => a.id));
  }
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
  const prefix = `sw-test-${randomUUID()}`;
  const checkers: RunningStoryChecker[] = [];
  return {
    deps,
    fake,
    proxies,
    redis,
    prefix,
    checkers,
    proxyIds,
    ipOf: (i) => proxies[i]?.localAddress ?? '',
    async startChecker(over = {}) {
      const checker = await createStoryChecker({
        core: deps,
        redis,
        options: {
          instagramUrl: fake.url,
          allowDirect: false,
          requestsPerMinute: 600,
          timeoutMs: 2_000,
          keyPrefix: `${prefix}:checker`,
          healthFlushMs: 100,
          ...over,
        },
      });
      checkers.push(checker);
      return checker;
    },
    async close() {
      await Promise.all(checkers.map((c) => c.close()));
      redis.disconnect();
      await deleteRedisPrefix(prefix);
      await stopAll(proxies);
      await fake.stop();
      await deps.close();
    },
  };
}
