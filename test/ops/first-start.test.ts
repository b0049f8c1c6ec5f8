import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSecret, proxyCredentialContext } from '../../src/core/crypto/credentials.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deleteRedisPrefix } from '../helpers/redis.js';

const ROOT = new URL('../..', import.meta.url).pathname;

interface Run {
  child: ChildProcess;
  /** stdout and stderr together, as they arrived. */
  output(): string;
  stderr(): string;
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Spawns a command in the repository with exactly the given env (plus PATH and HOME). */
function run(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Run {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let all = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (c: Buffer) => {
    all += c.toString('utf8');
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (c: Buffer) => {
    all += c.toString('utf8');
    err += c.toString('utf8');
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => all,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(all)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no output matching ${pattern}:\n${all}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`exited before ${pattern}:\n${all}`));
          }
        });
        check();
      });
    },
  };
}

/** Every live process whose parent chain leads to `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  for (const candidate of parentOf.keys()) {
    for (let p = parentOf.get(candidate); p !== undefined && p > 1; p = parentOf.get(p)) {
      if (p === pid) {
        found.push(candidate);
        break;
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const STARTED = /storywatch started/;

describe('first start and the process around it', { timeout: 180_000 }, () => {
  let db: TestDatabase;
  let dataDir: string;
  const prefix = `sw-first-${randomUUID().slice(0, 8)}`;
  const base = () => ({ DATABASE_URL: db.url, QUEUE_PREFIX: prefix, HTTP_PORT: '0', LOG_FORMAT: 'json' });
  const main = (env: Record<string, string>) =>
    run(process.execPath, ['--import', 'tsx', 'src/main.ts'], env);

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'sw-data-'));
  });
  afterAll(async () => {
    await db.drop();
    await deleteRedisPrefix(prefix);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('GIVEN no CREDENTIALS_KEY THEN the first start creates a 0600 key file, a proxy password stored through the console decrypts after a restart, and a wrong or missing key file stops start naming the file and CREDENTIALS_KEY', async () => {
    const keyFile = join(dataDir, 'credentials.key');
    const env = { ...base(), STORYWATCH_ROLES: 'worker', STORYWATCH_DATA_DIR: dataDir };

    const first = main(env);
    await first.waitFor(STARTED);
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const created = first
      .output()
      .split('\n')
      .find((l) => l.includes('created a credentials key file'));
    expect(created).toContain(keyFile);
    expect(created).toContain('Back it up');
    expect(first.output()).not.toContain(key);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // The console uses the same file: the password is encrypted with it.
    const proxiesFile = join(dataDir, 'proxies.txt');
    writeFileSync(proxiesFile, '10.9.8.7:3128:alice:s3cret-pw\n');
    const add = run(process.execPath, ['bin/storywatch.js', 'proxy', 'add', '--file', proxiesFile], env);
    expect(await add.exited, add.output()).toBe(0);
    expect(add.output()).toContain('Added 1');
    const [row] = await db.sql<{ host: string; port: number; username: string; password_enc: string }[]>`
      select host, port, username, password_enc from proxies where host = '10.9.8.7'`;
    expect(row).toBeDefined();
    const context = proxyCredentialContext({ host: row!.host, port: row!.port, username: row!.username });
    expect(decryptSecret(row!.password_enc, Buffer.from(key, 'hex'), context)).toBe('s3cret-pw');

    // A new process reads the same key and decrypts the stored password (it checks them at start).
    const second = main(env);
    await second.waitFor(STARTED);
    expect(second.output()).toContain('credentials key read from the key file');
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // A key file that is not the key: start refuses, naming the file and CREDENTIALS_KEY.
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    const wrong = main(env);
    expect(await wrong.exited).toBe(1);
    expect(wrong.stderr()).toContain(`the key file ${keyFile} decrypts none of the 1 stored credentials`);
    expect(wrong.stderr()).toContain('CREDENTIALS_KEY');
    expect(wrong.output()).not.toMatch(STARTED);

    // An explicit CREDENTIALS_KEY wins over the file.
    const explicit = main({ ...env, CREDENTIALS_KEY: key });
    await explicit.waitFor(STARTED);
    explicit.child.kill('SIGTERM');
    expect(await explicit.exited).toBe(0);

    // No key file while credentials are stored: refused, never a silent new key.
    await rm(keyFile);
    const missing = main(env);
    expect(await missing.exited).toBe(1);
    expect(missing.stderr()).toContain(`there is no key file at ${keyFile}`);
    expect(missing.stderr()).toContain('CREDENTIALS_KEY is not set');
    expect(existsSync(keyFile)).toBe(false);
  });

  it('GIVEN a relative STORYWATCH_DATA_DIR and a console run from another folder THEN the key file is made in the project folder', async () => {
    const relative = `.test-data-${randomUUID().slice(0, 8)}`;
    const elsewhere = await mkdtemp(join(tmpdir(), 'sw-cwd-'));
    // A database of its own: the shared one may hold credentials by now, and then no key is made (above).
    const empty = await createTestDatabase();
    try {
      const cli = run(
        process.execPath,
        [join(ROOT, 'bin/storywatch.js'), 'niche', 'list'],
        { DATABASE_URL: empty.url, QUEUE_PREFIX: prefix, STORYWATCH_DATA_DIR: relative },
        elsewhere,
      );
      expect(await cli.exited, cli.output()).toBe(0);
      expect(existsSync(join(ROOT, relative, 'credentials.key'))).toBe(true);
      expect(existsSync(join(elsewhere, relative))).toBe(false);
      // The console says where the new key is, on stderr, so a --json reply on stdout stays parseable.
      expect(cli.stderr()).toContain(join(ROOT, relative, 'credentials.key'));
    } finally {
      await rm(join(ROOT, relative), { recursive: true, force: true });
      await rm(elsewhere, { recursive: true, force: true });
      await empty.drop();
    }
  });

  it('GIVEN `npm start` is running WHEN the npm process gets SIGTERM THEN the service stops and no process is left', async () => {
    const npm = run('npm', ['start'], {
      ...base(),
      STORYWATCH_ROLES: 'worker',
      CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    });
    let children: number[] = [];
    try {
      await npm.waitFor(STARTED);
      children = descendants(npm.child.pid as number);
      expect(children.length).toBeGreaterThan(0);
      npm.child.kill('SIGTERM');
      await npm.exited;
      // The service's own shutdown ran (it was signalled, not orphaned and killed).
      expect(npm.output()).toMatch(/"reason":"SIGTERM".*"msg":"shutdown complete"/);
      const deadline = Date.now() + 10_000;
      while (children.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(children.filter(alive)).toEqual([]);
    } finally {
      // A child left behind (the failure this test is about) is reparented, so kill it by its pid.
      for (const pid of children.filter(alive)) process.kill(pid, 'SIGKILL');
      npm.child.kill('SIGKILL');
    }
  });

  it('GIVEN stdout is not a terminal THEN the service logs JSON lines, and LOG_FORMAT=pretty makes them readable lines', async () => {
    const env = { ...base(), STORYWATCH_ROLES: 'worker', CREDENTIALS_KEY: randomBytes(32).toString('hex') };
    const { LOG_FORMAT: _, ...unset } = env;
    const plain = main(unset);
    await plain.waitFor(STARTED);
    plain.child.kill('SIGTERM');
    expect(await plain.exited).toBe(0);
    const lines = plain.output().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.map((l) => JSON.parse(l).msg)).toContain('storywatch started');

    const pretty = main({ ...env, LOG_FORMAT: 'pretty' });
    await pretty.waitFor(STARTED);
    pretty.child.kill('SIGTERM');
    expect(await pretty.exited).toBe(0);
    const started = pretty
      .output()
      .split('\n')
      .find((l) => l.includes('storywatch started'));
    expect(started).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: storywatch started/);
    expect(pretty.output()).not.toContain('{"level"');
  });

  it('GIVEN stdout is a terminal and no LOG_FORMAT THEN the service logs readable lines, not JSON', async () => {
    // `script` gives the service a pseudo-terminal; Redis is unreachable so it logs and exits by itself.
    const command = `${process.execPath} --import tsx src/main.ts`;
    const tty = run('script', ['-qec', command, '/dev/null'], {
      ...base(),
      LOG_FORMAT: '',
      REDIS_URL: 'redis://127.0.0.1:1',
      STARTUP_WAIT_S: '1',
      CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    });
    await tty.exited;
    const text = stripVTControlCharacters(tty.output());
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: storywatch starting/m);
    expect(text).not.toContain('{"level"');
  });

  it('GIVEN `storywatch --version` or `-v` THEN it prints the package version and exits 0; with --json as JSON', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const cli = run(process.execPath, ['bin/storywatch.js', flag], {});
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toBe(`storywatch ${version}\n`);
    }
    const json = run(process.execPath, ['bin/storywatch.js', '--version', '--json'], {});
    expect(await json.exited).toBe(0);
    expect(JSON.parse(json.output())).toEqual({ version });
  });

  it('GIVEN HTTP_PORT is taken THEN start fails naming the address and HTTP_PORT', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const clash = main({
        ...base(),
        HTTP_PORT: String(port),
        STORYWATCH_ROLES: 'worker',
        CREDENTIALS_KEY: randomBytes(32).toString('hex'),
      });
      expect(await clash.exited).toBe(1);
      expect(clash.stderr()).toContain(`127.0.0.1:${port} is already in use`);
      expect(clash.stderr()).toContain('set HTTP_PORT to a free port');
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
