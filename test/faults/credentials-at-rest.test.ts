import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runConsoleCommand } from '../../src/app/console-role.js';
import type { CheckTarget } from '../../src/checker/index.js';
import { encryptSecretV1 } from '../../src/core/crypto/credentials.js';
import { upgradeCredentialBinding } from '../../src/core/crypto/upgrade-binding.js';
import { igSessions, proxies } from '../../src/core/db/schema/index.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { createLogger } from '../../src/core/logger.js';
import { addProxies, loadProxyCredentials } from '../../src/core/proxies/index.js';
import { addSession, listSessions, loadActiveSessions } from '../../src/core/sessions/index.js';
import { createHarness, type Harness, PROXY_PASSWORD, PROXY_USER } from '../checker/harness.js';
import { generateUsers } from '../fakes/fake-instagram.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

const SECRET = 'Pw-at-rest-Secret-91';
const COOKIE = 'sessionid=12345678%3AsEcReTsEsSiOn42; csrftoken=CsRfToKeN77; ds_user_id=12345678';

describe('never lose #14.4: a stored credential is bound to its row', () => {
  let h: Harness | undefined;
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps({ max: 4 });
  });
  afterAll(async () => deps.close());
  beforeEach(async () => {
    await deps.db.delete(igSessions);
    await deps.db.delete(proxies);
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('GIVEN a proxy whose host was changed in the database THEN it is unreadable, skipped and logged, and its password never reaches the new host', async () => {
    const users = generateUsers(10);
    const targets: CheckTarget[] = users.map((u) => ({ username: u.username, igUserId: u.id }));
    h = await createHarness({ proxyCount: 2, fake: { users } });
    const movedId = h.proxyIds[1]!;
    const port = h.proxies[1]!.port;
    // The attacker's listener: same port, another loopback address; it records whatever arrives.
    const received: Buffer[] = [];
    let connections = 0;
    const sockets = new Set<Socket>();
    const attacker: Server = createServer((s) => {
      connections++;
      sockets.add(s);
      s.on('data', (d) => {
        received.push(d);
        s.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      });
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((done) => attacker.listen(port, '127.0.0.9', done));
    try {
      await h.deps.sql`update proxies set host = '127.0.0.9' where id = ${movedId}`;

      const creds = await loadProxyCredentials(h.deps);
      const moved = creds.find((c) => c.id === movedId);
      expect(moved).toMatchObject({ host: '127.0.0.9', password: null });
      expect(moved?.unreadable).toMatch(/cannot be decrypted/);
      expect(creds.find((c) => c.id === h?.proxyIds[0])?.password).toBe(PROXY_PASSWORD);

      const checker = await h.startChecker();
      for (const t of targets.slice(0, 6)) {
        const [r] = await checker.check([t]);
        expect(r?.proxyId).toBe(h.proxyIds[0]);
      }
      const seen = Buffer.concat(received).toString('latin1');
      const basic = Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64');
      console.log(`moved proxy #${movedId}: attacker saw ${connections} connections, ${seen.length} bytes`);
      expect(seen).not.toContain(basic);
      expect(seen).not.toContain(PROXY_PASSWORD);
      expect(connections).toBe(0);
      expect(h.deps.logs.text).toContain('proxy password cannot be decrypted; proxy skipped');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((done) => attacker.close(() => done()));
    }
  });

  it('GIVEN a v2 proxy password relabelled v1 in the database (a downgrade) THEN it does not decrypt either', async () => {
    await addProxies(deps, `10.0.0.1:8080:alice:${SECRET}`);
    const [row] = await deps.sql`select password_enc from proxies`;
    expect(String(row?.password_enc)).toMatch(/^v2\./);
    await deps.sql`update proxies set password_enc = 'v1.' || substr(password_enc, 4)`;
    const [cred] = await loadProxyCredentials(deps);
    expect(cred?.password).toBeNull();
    expect(cred?.unreadable).toMatch(/cannot be decrypted/);
  });

  it('GIVEN a session whose account id was changed in the database THEN its cookies are not used', async () => {
    const added = await addSession(deps, COOKIE);
    expect((await loadActiveSessions(deps)).map((s) => s.id)).toEqual([added.id]);
    await deps.sql`update ig_sessions set ds_user_id = '87654321' where id = ${added.id}`;
    expect(await loadActiveSessions(deps)).toEqual([]);
    expect(deps.logs.text).toContain('session cannot be decrypted; skipped');
    expect((await listSessions(deps))[0]?.sessionid).toBe('(cannot decrypt)');
  });

  it('GIVEN v1 rows THEN they are still read, the upgrade re-encrypts them as v2 with the same plaintext, and a second run changes nothing', async () => {
    const key = deps.credentialsKey;
    const cookies = {
      sessionid: '12345678%3AsEcReTsEsSiOn42',
      csrftoken: 'CsRfToKeN77',
      dsUserId: '12345678',
    };
    await deps.db.insert(proxies).values([
      { host: '10.0.0.2', port: 3128, username: 'bob', passwordEnc: encryptSecretV1(SECRET, key) },
      { host: '10.0.0.3', port: 3128, username: null, passwordEnc: null },
      // Stored under another key: cannot be upgraded, left as it is.
      { host: '10.0.0.4', port: 3128, username: 'eve', passwordEnc: encryptSecretV1('x', randomBytes(32)) },
    ]);
    await deps.db
      .insert(igSessions)
      .values({ dsUserId: cookies.dsUserId, cookiesEnc: encryptSecretV1(JSON.stringify(cookies), key) });
    const stored = async () => ({
      proxies: (await deps.sql`select host, password_enc from proxies order by id`).map((r) => [
        r.host,
        r.password_enc,
      ]),
      sessions: (await deps.sql`select cookies_enc from ig_sessions order by id`).map((r) => r.cookies_enc),
    });
    const before = await stored();
    // v1 rows keep working before the upgrade.
    expect((await loadProxyCredentials(deps))[0]?.password).toBe(SECRET);
    expect((await loadActiveSessions(deps))[0]).toMatchObject(cookies);

    expect(await upgradeCredentialBinding(deps)).toEqual({ proxies: 1, sessions: 1, unreadable: 1 });
    const after = await stored();
    expect(after.proxies.map(([, enc]) => String(enc).slice(0, 3))).toEqual(['v2.', 'nul', 'v1.']);
    expect(after.proxies[1]?.[1]).toBeNull();
    expect(after.proxies[2]).toEqual(before.proxies[2]);
    expect(String(after.sessions[0])).toMatch(/^v2\./);
    const creds = await loadProxyCredentials(deps);
    expect(creds.map((c) => c.password)).toEqual([SECRET, null, null]);
    expect((await loadActiveSessions(deps))[0]).toMatchObject(cookies);
    expect(JSON.stringify(after)).not.toContain(SECRET);

    expect(await upgradeCredentialBinding(deps)).toEqual({ proxies: 0, sessions: 0, unreadable: 1 });
    expect(await stored()).toEqual(after);

    // Upgraded rows are bound too.
    await deps.sql`update proxies set host = '10.6.6.6' where host = '10.0.0.2'`;
    expect((await loadProxyCredentials(deps))[0]).toMatchObject({ host: '10.6.6.6', password: null });
  });
});

// The console starts real processes (node + tsx), several seconds each on a busy machine.
describe('never lose #14.3: console secrets are read from stdin or a file, never the command line', {
  timeout: 120_000,
}, () => {
  const BIN = resolve(import.meta.dirname, '../../bin/storywatch.js');
  const KEY_HEX = randomBytes(32).toString('hex');
  let database: TestDatabase;
  let deps: CoreDeps;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase({ max: 2 });
    deps = {
      db: database.db,
      sql: database.sql,
      log: createLogger({ level: 'silent' }),
      clock: { now: () => new Date() },
      credentialsKey: Buffer.from(KEY_HEX, 'hex'),
    };
    dir = await mkdtemp(join(tmpdir(), 'sw-secrets-'));
  });
  afterAll(async () => {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await database.db.delete(igSessions);
    await database.db.delete(proxies);
  });

  interface Result {
    code: number;
    stdout: string;
    stderr: string;
  }

  /** Runs the real bin with `input` on its standard input (always ended, so nothing waits). */
  function storywatch(input: string, ...args: string[]): Promise<Result> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          DATABASE_URL: database.url,
          CREDENTIALS_KEY: KEY_HEX,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', fail);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code: code ?? 1, stdout, stderr });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    });
  }

  it('GIVEN a proxy password or a cookie as arguments THEN refused with the accepted forms, never repeated, nothing stored', async () => {
    const proxy = await storywatch('', 'proxy', 'add', `10.1.2.3:8080:alice:${SECRET}`);
    expect(proxy.code).not.toBe(0);
    expect(proxy.stdout + proxy.stderr).not.toContain(SECRET);
    expect(proxy.stderr).toContain('does not take proxy passwords as arguments');
    expect(proxy.stderr).toContain('storywatch proxy add < proxies.txt');
    expect(proxy.stderr).toContain('storywatch proxy add --file proxies.txt');

    const session = await storywatch('', 'session', 'add', ...COOKIE.split(' '));
    expect(session.code).not.toBe(0);
    expect(session.stdout + session.stderr).not.toContain('sEcReTsEsSiOn42');
    expect(session.stdout + session.stderr).not.toContain('CsRfToKeN77');
    expect(session.stderr).toContain('does not take session cookies as arguments');
    expect(session.stderr).toContain('| storywatch session add');

    expect(await database.db.select().from(proxies)).toEqual([]);
    expect(await database.db.select().from(igSessions)).toEqual([]);
  });

  it('GIVEN the same proxy on standard input THEN it is stored with its password', async () => {
    const r = await storywatch(`10.1.2.3:8080:alice:${SECRET}\n5.6.7.8:3128\n`, 'proxy', 'add');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('Added 2');
    expect(r.stdout).not.toContain(SECRET);
    const creds = await loadProxyCredentials(deps);
    expect(creds.map((c) => [c.host, c.username, c.password])).toEqual([
      ['10.1.2.3', 'alice', SECRET],
      ['5.6.7.8', null, null],
    ]);
  });

  it('GIVEN the proxy in a file with --file THEN it is stored with its password', async () => {
    await writeFile(join(dir, 'proxies.txt'), `# Frankfurt\n10.1.2.3:8080:alice:${SECRET}\n`);
    const r = await storywatch('', 'proxy', 'add', '--file', 'proxies.txt');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).not.toContain(SECRET);
    const creds = await loadProxyCredentials(deps);
    expect(creds.map((c) => [c.host, c.username, c.password])).toEqual([['10.1.2.3', 'alice', SECRET]]);
  });

  it('GIVEN a session cookie on standard input THEN the session is stored', async () => {
    const r = await storywatch(`${COOKIE}\n`, 'session', 'add');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('session #');
    expect(r.stdout).not.toContain('sEcReTsEsSiOn42');
    const [s] = await loadActiveSessions(deps);
    expect(s).toMatchObject({
      dsUserId: '12345678',
      sessionid: '12345678%3AsEcReTsEsSiOn42',
      csrftoken: 'CsRfToKeN77',
    });
  });

  it('GIVEN standard input is a terminal with nothing piped THEN the hint is printed and it exits non-zero without waiting', async () => {
    const stdin = process.stdin as NodeJS.ReadStream & { isTTY?: boolean };
    const wasTTY = stdin.isTTY;
    const out: string[] = [];
    const err: string[] = [];
    Object.defineProperty(stdin, 'isTTY', { value: true, configurable: true, writable: true });
    try {
      const code = await runConsoleCommand(['proxy', 'add'], {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
      });
      expect(code).not.toBe(0);
    } finally {
      Object.defineProperty(stdin, 'isTTY', { value: wasTTY, configurable: true, writable: true });
    }
    expect(out).toEqual([]);
    expect(err.join('\n')).toContain('nothing piped in');
    expect(err.join('\n')).toContain('storywatch proxy add < proxies.txt');
  });
});
