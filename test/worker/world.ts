import { type ChildProcess, spawn } from 'node:child_process';
import type { Sql } from '../../src/core/db/client.js';
import { type ConnectProxy, startConnectProxies, stopAll } from '../fakes/connect-proxy.js';
import { type FakeInstagram, generateUsers, startFakeInstagram } from '../fakes/fake-instagram.js';

/** The fake Instagram, local CONNECT proxies stored as the operator's proxies, and a niche of its users. */
export interface World {
  fake: FakeInstagram;
  proxies: ConnectProxy[];
  storyUsers: Set<string>;
  close(): Promise<void>;
}

export async function createWorld(
  sql: Sql,
  options: { users: number; proxies: number; latencyMs: number; niche: string; storyEvery?: number },
): Promise<World> {
  const users = generateUsers(options.users, { storyEvery: options.storyEvery ?? 4 });
  const fake = await startFakeInstagram({ users, latencyMs: options.latencyMs });
  const proxies = await startConnectProxies(options.proxies);
  for (const p of proxies) {
    await sql`insert into proxies (host, port, health) values (${p.host}, ${p.port}, 'ok')`;
  }
  const [n] = await sql<Array<{ id: number }>>`
    insert into niches (name, position) values (${options.niche}, 1) returning id`;
  // Cached Instagram ids: one request per check, so the fake's request count is the check count.
  for (const u of users) {
    await sql`insert into profiles (username, niche_id, ig_user_id) values (${u.username}, ${n!.id}, ${u.id})`;
  }
  return {
    fake,
    proxies,
    storyUsers: new Set(users.filter((u) => u.storyPostedAt).map((u) => u.username)),
    async close() {
      await stopAll(proxies);
      await fake.stop();
    },
  };
}

export interface WorkerChild {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Spawns test/helpers/worker-process.ts with the given env and waits for "ready". */
export async function spawnWorker(env: Record<string, string>): Promise<WorkerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/worker-process.ts'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready:\n${output.join('')}`)), 20_000);
    child.stdout!.on('data', (b: Buffer) => {
      output.push(b.toString());
      if (output.join('').includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
    child.on('exit', () => reject(new Error(`worker exited before ready:\n${output.join('')}`)));
  });
  return { child, output, exited };
}
