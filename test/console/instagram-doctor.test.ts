import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addProxies } from '../../src/core/proxies/index.js';
import { addSession } from '../../src/core/sessions/index.js';
import { type ConnectProxy, startConnectProxies, stopAll } from '../fakes/connect-proxy.js';
import { type FakeInstagram, generateUsers, startFakeInstagram } from '../fakes/fake-instagram.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';
import { deleteRedisPrefix } from '../helpers/redis.js';

const BIN = resolve(import.meta.dirname, '../../bin/storywatch.js');
const SESSION = { sessionid: '4440001%3AdOcToRsEsSiOn%3A5', csrftoken: 'DoctorCsrf', dsUserId: '4440001' };
const KEY = randomBytes(32).toString('hex');
const PREFIX = `sw-test-doctor-${randomBytes(4).toString('hex')}`;

let deps: TestDeps;
let fake: FakeInstagram;
let proxies: ConnectProxy[];

function storywatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          DATABASE_URL: deps.database.url,
          CREDENTIALS_KEY: KEY,
          INSTAGRAM_WEB_URL: fake.url,
          QUEUE_PREFIX: PREFIX,
          // The default budget (6 a minute per proxy) would make the doctor's 12 probes take a minute.
          PROXY_REQUESTS_PER_MINUTE: '600',
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  deps = await createTestDeps();
  deps.credentialsKey = Buffer.from(KEY, 'hex');
  const users = generateUsers(5, { storyEvery: 1 });
  users.push({ username: 'canary_cam', id: '8080', storyPostedAt: new Date(Date.now() - 3600_000) });
  fake = await startFakeInstagram({ users, sessions: [SESSION] });
  // One route walled: the anonymous lookup answers 401 require_login to every proxy.
  fake.modes.anonLookupWalled = true;
  proxies = await startConnectProxies(3, { username: 'doc', password: 'DoctorProxyPass1' });
  await addProxies(deps, proxies.map((p) => p.line).join('\n'));
  await addSession(
    deps,
    `sessionid=${SESSION.sessionid}; csrftoken=${SESSION.csrftoken}; ds_user_id=${SESSION.dsUserId}`,
  );
});
afterAll(async () => {
  await stopAll(proxies);
  await fake.stop();
  await deleteRedisPrefix(PREFIX);
  await deps.close();
});

describe('instagram doctor on the console', { timeout: 120_000 }, () => {
  it('GIVEN 3 proxies, 1 session and the anonymous lookup walled THEN a table of every route through every proxy and session, the walled one named', async () => {
    expect((await storywatch('instagram', 'set', 'canaries', 'canary_cam')).code).toBe(0);
    const r = await storywatch('instagram', 'doctor');
    console.log(r.stdout);
    expect(r).toMatchObject({ code: 0 });
    const rows = r.stdout.split('\n').filter((l) => /^(web_profile_info|profile_page|reel|reels)/.test(l));
    // Resolve: 3 proxies + 3 proxies + 1 session; story: 3 proxies + 1 session + 1 session.
    expect(rows).toHaveLength(12);
    expect(rows.filter((l) => /^web_profile_info\s+proxy/.test(l)).every((l) => /\swall\s/.test(l))).toBe(
      true,
    );
    expect(
      rows.filter((l) => /^profile_page\s/.test(l)).every((l) => /\sok\s.*id 8080, public/.test(l)),
    ).toBe(true);
    expect(rows.filter((l) => /^web_profile_info_session\s+session #1/.test(l))).toHaveLength(1);
    expect(rows.filter((l) => /^reels_query_hash\s+session #1 .*\sok\s.*story until/.test(l))).toHaveLength(
      1,
    );
    expect(
      rows.filter((l) => /^reel_query\s+proxy/.test(l)).every((l) => /\sok\s.*story until/.test(l)),
    ).toBe(true);
    expect(r.stdout).toMatch(/not working: web_profile_info\b/);
    expect(r.stdout).not.toContain('DoctorProxyPass1');
    expect(r.stdout).not.toContain('dOcToRsEsSiOn');
  });

  it('GIVEN the probe walled a route THEN instagram routes shows it suspended with the answer, and the identifiers with their sources', async () => {
    const r = await storywatch('instagram', 'routes');
    console.log(r.stdout);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/web_profile_info\s+suspended, retried in \d+ min/);
    expect(r.stdout).toMatch(/reel_query_id\s+9957820854288654\s+default: /);
    expect(r.stdout).toMatch(/canaries\s+canary_cam\s+set by the operator/);
  });

  it('GIVEN a mistyped key or a bad value THEN a clear refusal that changes nothing', async () => {
    const bad = await storywatch('instagram', 'set', 'reel_query_id', 'abc');
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/reel_query_id was not changed: a query id is 5 to 25 digits/);
    const unknown = await storywatch('instagram', 'set', 'query', '123456');
    expect(unknown.stdout + unknown.stderr).toMatch(
      /"query" is not an Instagram setting\. Settable: app_id, asbd_id/,
    );
  });
});
