import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server of one test's own (the shared one on 6379 is never killed or restarted). */
export async function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    p.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    p.on('exit', () => reject(new Error('redis-server exited')));
  });
  return p;
}
