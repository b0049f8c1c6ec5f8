import { ProxyAgent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTAGRAM_DEFAULTS } from '../../src/core/instagram/index.js';
import { type Simulator, startSimulator } from '../../src/simulator/index.js';

/**
 * The demo's simulated Instagram, asked the way the checker asks it (through its proxies, with basic
 * auth): the population is the mix the demo promises, and its misbehaviours happen where they should.
 */

let sim: Simulator;
const agents: ProxyAgent[] = [];

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: [0, 1] });
  for (const line of sim.proxyLines) {
    const [host, port, user, pass] = line.split(':');
    agents.push(
      new ProxyAgent({
        uri: `http://${host}:${port}`,
        token: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
      }),
    );
  }
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await sim?.stop();
});

async function get(proxy: number, path: string): Promise<{ status: number; body: string }> {
  const r = await request(`${sim.instagramUrl}${path}`, { dispatcher: agents[proxy] });
  return { status: r.statusCode, body: await r.body.text() };
}

const lookup = (username: string) =>
  `/api/v1/users/web_profile_info/?username=${encodeURIComponent(username)}`;

describe('the simulated Instagram of the demo', () => {
  it('GIVEN the default population THEN it holds live, expired and private stories, gone accounts and one false 404, the same on every run', async () => {
    const kinds = sim.users.reduce<Record<string, number>>((n, u) => {
      n[u.kind] = (n[u.kind] ?? 0) + 1;
      return n;
    }, {});
    expect(sim.users).toHaveLength(80);
    expect(new Set(sim.users.map((u) => u.username)).size).toBe(80);
    for (const kind of ['live', 'expired', 'private', 'gone', 'none'])
      expect(kinds[kind], kind).toBeGreaterThan(2);
    expect(kinds.false_404).toBe(1);
    const again = await startSimulator();
    try {
      expect(again.users.map((u) => [u.username, u.kind])).toEqual(
        sim.users.map((u) => [u.username, u.kind]),
      );
    } finally {
      await again.stop();
    }
  });

  it('GIVEN the false-404 account THEN it is "not found" through the first proxy and answers through the second; a gone one is not found through both', async () => {
    const flaky = sim.users.find((u) => u.kind === 'false_404')!;
    const gone = sim.users.find((u) => u.kind === 'gone')!;
    // The second proxy's first requests are rate limited (429), as a fresh IP's often are.
    const early = [];
    for (let i = 0; i < 3; i++) early.push((await get(1, lookup(flaky.username))).status);
    expect(early).toEqual([429, 429, 429]);
    expect((await get(0, lookup(flaky.username))).status).toBe(404);
    const second = await get(1, lookup(flaky.username));
    expect(second.status).toBe(200);
    expect(JSON.parse(second.body)).toMatchObject({
      data: { user: { id: flaky.id, username: flaky.username } },
    });
    expect((await get(0, lookup(gone.username))).status).toBe(404);
    expect((await get(1, lookup(gone.username))).status).toBe(404);
  });

  it('GIVEN the reel query for a live, an expired and a private account THEN only the live one shows a public story', async () => {
    const story = async (kind: string) => {
      const u = sim.users.find((x) => x.kind === kind)!;
      const r = await get(0, `/graphql/query/?query_id=${INSTAGRAM_DEFAULTS.reelQueryId}&user_id=${u.id}`);
      return (JSON.parse(r.body) as { data: { user: { has_public_story: boolean } } }).data.user
        .has_public_story;
    };
    expect([await story('live'), await story('expired'), await story('private')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('GIVEN a wrong proxy password THEN the proxy refuses (407) and nothing reaches the simulator', async () => {
    const [host, port] = (sim.proxyLines[0] ?? '').split(':');
    const wrong = new ProxyAgent({
      uri: `http://${host}:${port}`,
      token: `Basic ${Buffer.from('demo:wrong').toString('base64')}`,
    });
    const before = sim.counters.requests;
    try {
      await expect(request(`${sim.instagramUrl}/`, { dispatcher: wrong })).rejects.toThrow(/407/);
    } finally {
      await wrong.close();
    }
    expect(sim.counters.requests).toBe(before);
  });
});
