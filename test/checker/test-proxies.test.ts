import { afterEach, describe, expect, it } from 'vitest';
import { renderProxyTest } from '../../src/bot/commands/proxy.js';
import { testProxies } from '../../src/checker/index.js';
import { proxies } from '../../src/core/db/schema/index.js';
import { addProxies } from '../../src/core/proxies/index.js';
import { renderPlain } from '../../src/reply/reply.js';
import { type ConnectProxy, startConnectProxies, stopAll } from '../fakes/connect-proxy.js';
import { type FakeInstagram, startFakeInstagram } from '../fakes/fake-instagram.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

const PASS = 'TestProxyPass-9z';
let deps: TestDeps | undefined;
let fake: FakeInstagram | undefined;
let started: ConnectProxy[] = [];
afterEach(async () => {
  await stopAll(started);
  await fake?.stop();
  await deps?.close();
});

describe('proxy test', () => {
  it('GIVEN a good proxy, one with a wrong password, one down and one that hangs THEN each is reported with latency and the bad ones cool down as failing (not dead)', async () => {
    deps = await createTestDeps();
    fake = await startFakeInstagram();
    started = await startConnectProxies(2, { username: 'u', password: PASS });
    const [good, wrong] = started as [ConnectProxy, ConnectProxy];
    // A TCP listener that accepts and never answers: the "timeout" case.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;
    // Port 1 (tcpmux) listens nowhere here: a port freed by this test could be taken at once by a
    // proxy of another test file running alongside, which then answers instead of refusing.
    const closedPort = 1;
    await addProxies(
      deps,
      [
        good.line,
        `127.0.0.1:${wrong.port}:u:not-the-password`,
        `127.0.0.1:${closedPort}`,
        `127.0.0.1:${silentPort}`,
      ].join('\n'),
    );
    const report = await testProxies(deps, { instagramUrl: fake.url, timeoutMs: 400 });
    silent.close();
    const reply = renderProxyTest(report);
    const text = renderPlain(reply);
    console.log(text);
    const { results } = report;
    expect(results.map((r) => r.status)).toEqual(['reachable', 'auth_refused', 'unreachable', 'timeout']);
    expect(results[3]?.latencyMs).toBeGreaterThanOrEqual(390);
    // #14.13: one failed test cools a proxy down as 'failing'; 'dead' takes 3 failures in a row.
    expect(results.map((r) => r.health)).toEqual(['ok', 'failing', 'failing', 'failing']);
    expect(text).toMatch(/1 reachable, 3 failing \(cooling down\)/);
    const rows = await deps.db.select().from(proxies).orderBy(proxies.id);
    expect(rows.map((r) => r.health)).toEqual(['ok', 'failing', 'failing', 'failing']);
    expect(rows.map((r) => r.cooldownLevel)).toEqual([0, 1, 1, 1]);
    expect(rows.map((r) => r.coolingUntil !== null)).toEqual([false, true, true, true]);
    expect(rows.every((r) => r.lastTestedAt !== null)).toBe(true);
    expect(fake.requestsByIp).toEqual({ [good.localAddress]: 1 });
    for (const out of [text, JSON.stringify(report), deps.logs.text]) expect(out).not.toContain(PASS);
  });

  it('GIVEN one id THEN only that proxy is tested; an unknown id is refused', async () => {
    deps = await createTestDeps();
    fake = await startFakeInstagram();
    started = await startConnectProxies(2);
    const added = await addProxies(deps, started.map((p) => p.line).join('\n'));
    const id = added.added[1]!.id;
    const report = await testProxies(deps, { instagramUrl: fake.url, timeoutMs: 1000 }, id);
    expect(report.results.map((r) => r.id)).toEqual([id]);
    await expect(testProxies(deps, { instagramUrl: fake.url, timeoutMs: 1000 }, 999)).rejects.toMatchObject({
      code: 'proxy_not_found',
    });
  });
});
