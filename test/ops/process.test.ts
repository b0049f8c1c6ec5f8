import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { FakeTelegram } from '../fakes/fake-telegram.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const ROOT = new URL('../..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string;
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Runs `src/main.ts` the way the Dockerfile does (node --import tsx), with exactly the given env. */
function runMain(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    child,
    stdout: [],
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const found = run.stdout.find((l) => pattern.test(l));
        if (found) return resolve(found);
        const timer = setTimeout(
          () =>
            reject(new Error(`no log line matching ${pattern}:\n${run.stdout.join('\n')}\n${run.stderr}`)),
          timeoutMs,
        );
        const onData = () => {
          const hit = run.stdout.find((l) => pattern.test(l));
          if (hit) {
            clearTimeout(timer);
            child.stdout?.off('data', onData);
            resolve(hit);
          }
        };
        child.stdout?.on('data', onData);
      });
    },
  };
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    run.stdout.push(...parts.filter(Boolean));
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    run.stderr += chunk.toString('utf8');
  });
  return run;
}

// Each test spawns the real service; a cold start under a parallel test run can take a while.
describe('the storywatch process', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  const prefix = `sw-test-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('GIVEN several bad variables THEN it exits 2 naming each of them at once and echoing no value', async () => {
    const secrets = { dbPassword: 'hunter2-db-pass', token: `123456789:${randomBytes(24).toString('hex')}` };
    const run = runMain({
      DATABASE_URL: `mysql://root:${secrets.dbPassword}@127.0.0.1/storywatch`,
      HTTP_PORT: 'eighty',
      STORYWATCH_ROLES: 'bot,cook',
      TELEGRAM_BOT_TOKEN: secrets.token,
      CREDENTIALS_KEY: 'too-short-key',
    });
    const code = await run.exited;
    console.log(run.stderr);
    expect(code).toBe(2);
    for (const name of [
      'DATABASE_URL',
      'HTTP_PORT',
      'STORYWATCH_ROLES',
      'TELEGRAM_OWNER_IDS',
      'CREDENTIALS_KEY',
    ]) {
      expect(run.stderr).toContain(`${name}:`);
    }
    for (const value of [secrets.dbPassword, secrets.token, 'eighty', 'cook', 'too-short-key']) {
      expect(run.stderr).not.toContain(value);
    }
  });

  it('GIVEN Redis that is not answering THEN it says so once, waits STARTUP_WAIT_S, and exits 1 naming Redis and what to check', async () => {
    const deadPort = await freePort();
    const started = Date.now();
    const run = runMain({
      DATABASE_URL: db.url,
      REDIS_URL: `redis://:redis-secret-pw@127.0.0.1:${deadPort}`,
      QUEUE_PREFIX: prefix,
      HTTP_PORT: '0',
      STARTUP_WAIT_S: '2',
    });
    const code = await run.exited;
    const took = Date.now() - started;
    console.log(`dead Redis: exit ${code} after ${took} ms: ${run.stderr.trim()}`);
    expect(code).toBe(1);
    expect(run.stderr).toMatch(/cannot use Redis \(waited [12] s\)/);
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stderr).toContain('Is Redis running and listening where REDIS_URL');
    expect(run.stdout.filter((l) => l.includes('not answering yet'))).toHaveLength(1);
    // No BullMQ stack traces, and the password in REDIS_URL is never shown.
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(`${run.stdout.join('\n')}${run.stderr}`).not.toContain('redis-secret-pw');
  });

  it('GIVEN reachable Telegram and Discord THEN the bot role answers commands and /healthz names both as connected', async () => {
    const telegram = await FakeTelegram.start();
    const discord = await FakeDiscord.start();
    const port = await freePort();
    const run = runMain({
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      HTTP_PORT: String(port),
      STORYWATCH_ROLES: 'bot',
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_OWNER_IDS: '4242',
      TELEGRAM_API_ROOT: telegram.apiRoot,
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_OWNER_IDS: '4242',
      DISCORD_API_URL: discord.apiUrl,
    });
    try {
      await run.waitFor(/"msg":"storywatch started"/);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      const body = (await health.json()) as { failing: string[]; parts: Record<string, { ok: boolean }> };
      console.log('healthz with the bot role:', JSON.stringify(body));
      expect(health.status).toBe(200);
      expect(body.parts.telegram?.ok).toBe(true);
      expect(body.parts.discord?.ok).toBe(true);
      expect(body.parts.scheduler).toBeUndefined();
      telegram.sendFromUser(4242, { text: '/help' });
      const answer = await telegram.waitFor(() =>
        telegram.messagesTo(4242).find((m) => m.text?.includes('/niche') || m.text?.includes('/proxy')),
      );
      expect(answer.text).toContain('/help');
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.stdout.some((l) => l.includes('"part":"chat front-ends"'))).toBe(true);
    } finally {
      run.child.kill('SIGKILL');
      await telegram.stop();
      await discord.stop();
    }
  });

  it('GIVEN TELEGRAM_WEBHOOK_URL THEN the HTTP port serves the webhook: signed updates are answered, others refused', async () => {
    const telegram = await FakeTelegram.start();
    const port = await freePort();
    const run = runMain({
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      HTTP_PORT: String(port),
      STORYWATCH_ROLES: 'bot',
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_OWNER_IDS: '4242',
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg/hook',
    });
    try {
      await run.waitFor(/"msg":"storywatch started"/);
      const secret = String(telegram.callsOf('setWebhook')[0]?.params.secret_token);
      const post = (token: string, id: number) =>
        fetch(`http://127.0.0.1:${port}/tg/hook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': token },
          body: JSON.stringify({
            update_id: id,
            message: {
              message_id: 100 + id,
              date: Math.floor(Date.now() / 1000),
              chat: { id: 4242, type: 'private' },
              from: { id: 4242, first_name: 'owner' },
              text: '/help',
              entities: [{ type: 'bot_command', offset: 0, length: 5 }],
            },
          }),
        });
      expect((await post('forged', 1)).status).toBe(403);
      expect((await post(secret, 2)).status).toBe(200);
      const answer = await telegram.waitFor(() => telegram.messagesTo(4242)[0]);
      expect(answer.text).toContain('/help');
      expect(telegram.callsOf('getUpdates')).toHaveLength(0);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
      await telegram.stop();
    }
  });

  it('GIVEN secrets in its configuration THEN every log line is JSON and none carries a secret; SIGTERM stops it cleanly', async () => {
    const secrets = {
      dbPassword: `pw${randomBytes(8).toString('hex')}`,
      telegram: `987654321:${randomBytes(20).toString('base64url')}`,
      discord: `${randomBytes(18).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(20).toString('base64url')}`,
      credentialsKey: randomBytes(32).toString('hex'),
    };
    // Postgres here trusts local connections, so the password in the URL is accepted and ignored.
    const url = new URL(db.url);
    url.password = secrets.dbPassword;
    const dead = await freePort();
    const run = runMain({
      DATABASE_URL: url.toString(),
      QUEUE_PREFIX: prefix,
      HTTP_PORT: String(await freePort()),
      LOG_LEVEL: 'debug',
      CREDENTIALS_KEY: secrets.credentialsKey,
      // The bots are configured but their APIs are a closed port: their connection errors get logged.
      TELEGRAM_BOT_TOKEN: secrets.telegram,
      TELEGRAM_OWNER_IDS: '1',
      TELEGRAM_API_ROOT: `http://127.0.0.1:${dead}`,
      DISCORD_TOKEN: secrets.discord,
      DISCORD_APPLICATION_ID: '100000000000000001',
      DISCORD_OWNER_IDS: '1',
      DISCORD_API_URL: `http://127.0.0.1:${dead}/api`,
    });
    try {
      await run.waitFor(/"msg":"storywatch started"/);
      await new Promise((r) => setTimeout(r, 1_500));
      run.child.kill('SIGTERM');
      const code = await run.exited;
      const all = `${run.stdout.join('\n')}\n${run.stderr}`;
      console.log(`${run.stdout.length} log lines, exit ${code}; first: ${run.stdout[0]}`);
      expect(code).toBe(0);
      for (const line of run.stdout) expect(() => JSON.parse(line), line).not.toThrow();
      const starting = JSON.parse(run.stdout.find((l) => l.includes('storywatch starting'))!);
      expect(starting.database).toContain(':***@');
      for (const [what, secret] of Object.entries(secrets))
        expect(all.includes(secret), `${what} leaked`).toBe(false);
      expect(run.stdout.some((l) => l.includes('"msg":"shutdown complete"'))).toBe(true);
      // The secrets had a real chance to leak: both bots failed to start and their errors were logged.
      expect(run.stdout.some((l) => l.includes('telegram front-end could not start'))).toBe(true);
      expect(run.stdout.some((l) => l.includes('discord front-end could not start'))).toBe(true);
      // Every role of the default set started and was stopped by SIGTERM.
      for (const part of [
        'chat front-ends',
        'delivery worker',
        'scheduler',
        'digests',
        'batch worker',
        'checker',
      ]) {
        expect(
          run.stdout.some((l) => l.includes(`"part":"${part}","msg":"stopped"`)),
          part,
        ).toBe(true);
      }
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
