import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env.js';
import { type HttpServerHandle, startHttpServer } from '../../src/http/server.js';
import { clientAddress, trustedProxies } from '../../src/web/client-address.js';
import { panelRoute } from '../../src/web/index.js';
import { LoginLimit } from '../../src/web/login-limit.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const parseTrusted = (value: string) => envSchema.shape.TRUSTED_PROXY.parse(value);

describe('TRUSTED_PROXY', () => {
  it('GIVEN nothing THEN no proxy is trusted; GIVEN a list THEN IPs, CIDRs, private and loopback are read', () => {
    expect(parseTrusted('')).toEqual([]);
    expect(parseTrusted(' private , 10.1.2.3, 172.16.0.0/12 ,::1,fd00::/8,loopback')).toEqual([
      'private',
      '10.1.2.3',
      '172.16.0.0/12',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('GIVEN a host name or a bad range THEN the setting is refused, saying what is accepted', () => {
    for (const bad of ['caddy', '172.16.0.0/33', '10.0.0', 'everyone']) {
      const r = envSchema.shape.TRUSTED_PROXY.safeParse(bad);
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/IP address .*CIDR range .*private or loopback/);
    }
  });
});

describe('the client address the login limit counts', () => {
  const compose = trustedProxies(['private']);

  it('GIVEN no trusted proxy THEN X-Forwarded-For is ignored: the socket is the client', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', undefined)).toBe('203.0.113.9');
    expect(clientAddress('172.18.0.3', '198.51.100.1', trustedProxies([]))).toBe('172.18.0.3');
  });

  it('GIVEN a socket that is not a trusted proxy THEN a forged X-Forwarded-For changes nothing', () => {
    expect(clientAddress('203.0.113.9', '10.0.0.1', compose)).toBe('203.0.113.9');
  });

  it('GIVEN the trusted proxy THEN the rightmost address it did not vouch for is the client', () => {
    expect(clientAddress('172.18.0.3', '198.51.100.7', compose)).toBe('198.51.100.7');
    // The client wrote its own header; Caddy appended what it saw: the forged left part is not believed.
    expect(clientAddress('172.18.0.3', '10.9.9.9, 1.2.3.4, 198.51.100.7', compose)).toBe('198.51.100.7');
    // Two trusted hops in a row (a load balancer in front of Caddy) are both looked through.
    expect(clientAddress('::ffff:172.18.0.3', '198.51.100.7, 10.0.0.5', compose)).toBe('198.51.100.7');
    expect(clientAddress('::1', '[2001:db8::5]', trustedProxies(['loopback']))).toBe('2001:db8::5');
  });

  it('GIVEN an unreadable hop or only trusted hops THEN the last address that could be vouched for counts', () => {
    expect(clientAddress('172.18.0.3', 'not-an-ip', compose)).toBe('172.18.0.3');
    expect(clientAddress('172.18.0.3', '198.51.100.7, garbage', compose)).toBe('172.18.0.3');
    expect(clientAddress('172.18.0.3', '10.0.0.5', compose)).toBe('10.0.0.5');
    expect(clientAddress('172.18.0.3', '', compose)).toBe('172.18.0.3');
    expect(clientAddress(undefined, '198.51.100.7', compose)).toBe('unknown');
  });

  it('GIVEN single addresses and ranges THEN only those sockets are trusted', () => {
    const list = trustedProxies(['172.18.0.3', '192.168.5.0/24', 'fd00::/8']);
    expect(clientAddress('172.18.0.3', '198.51.100.7', list)).toBe('198.51.100.7');
    expect(clientAddress('172.18.0.4', '198.51.100.7', list)).toBe('172.18.0.4');
    expect(clientAddress('192.168.5.77', '198.51.100.7', list)).toBe('198.51.100.7');
    expect(clientAddress('fd00::1', '198.51.100.7', list)).toBe('198.51.100.7');
    expect(clientAddress('fe80::1', '198.51.100.7', list)).toBe('fe80::1');
  });
});

describe('failed logins behind a trusted reverse proxy (the real panel on the real HTTP server)', () => {
  let app: TestApp;
  let http: HttpServerHandle;
  let base: string;
  const badLink = (i: number, from: string) =>
    fetch(`${base}/panel/login?token=nope${i}`, { redirect: 'manual', headers: { 'x-forwarded-for': from } });

  beforeAll(async () => {
    app = await createTestApp();
    // Requests come from 127.0.0.1, here standing in for Caddy on the compose network.
    const route = panelRoute({
      core: app.core,
      services: {},
      secureCookies: false,
      loginLimit: new LoginLimit(3),
      trustedProxies: trustedProxies(parseTrusted('loopback')),
    });
    http = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      log: app.log,
      health: () => [],
      metrics: new Registry(),
      routes: () => [route],
    });
    base = `http://127.0.0.1:${http.port}`;
  });

  afterAll(async () => {
    await http?.stop();
    await app?.destroy();
  });

  it('GIVEN one client failing 3 times THEN it gets 429 while another client behind the same proxy may still try', async () => {
    for (let i = 0; i < 3; i++) expect((await badLink(i, '198.51.100.7')).status).toBe(401);
    const blocked = await badLink(3, '198.51.100.7');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await badLink(4, '203.0.113.20')).status).toBe(401);
    const events = await app.database.sql<Array<{ ip: string }>>`
      select data->>'ip' as ip from events where kind = 'auth' order by id`;
    // The operator's auth events name the real client, not the proxy.
    expect(events.map((e) => e.ip)).toEqual(['198.51.100.7', '198.51.100.7', '198.51.100.7', '203.0.113.20']);
  });
});
