/**
 * `npm run demo` / `storywatch demo`: the whole workflow on this machine, against the simulated
 * Instagram of src/simulator, on a database and Redis prefix of its own. The composition (database,
 * worker, console) is src/app/demo-host.ts; this is the walkthrough and its clean-up.
 */
import type { CoreDeps } from '../core/deps.js';
import { type Simulator, startSimulator } from '../simulator/index.js';
import { walkthrough } from './walkthrough.js';

/** The demo's service, opened by the composition root against the simulator's URL. */
export interface DemoSession {
  core: CoreDeps;
  databaseName: string;
  /** The demo's own data folder (its credentials key, the stats chart it writes). */
  dataDir: string;
  /** What a shell needs set to reach this demo with `npx storywatch ...` (passwords replaced). */
  shellEnv: Record<string, string>;
  /** One console line, printed exactly as `storywatch ...` prints it; the exit code. */
  console(argv: string[]): Promise<number>;
  /** Stops the worker, closes every connection, deletes the demo's Redis keys. */
  close(): Promise<void>;
}

export interface DemoHost {
  open(instagramUrl: string): Promise<DemoSession>;
}

export interface DemoOptions {
  /** Keep the worker and the simulator running after the walkthrough, until `stop` resolves. */
  keep: boolean;
  out(text: string): void;
  /** Resolves when the user wants the kept demo stopped (Ctrl-C, SIGTERM). */
  stop?: () => Promise<void>;
}

export async function runDemo(host: DemoHost, options: DemoOptions): Promise<number> {
  const started = performance.now();
  const sim: Simulator = await startSimulator();
  let session: DemoSession | undefined;
  try {
    try {
      session = await host.open(sim.instagramUrl);
    } catch (err) {
      options.out(
        [
          'The demo needs Postgres and Redis on this machine (or where DATABASE_URL and REDIS_URL point).',
          err instanceof Error ? err.message : String(err),
          'Start them (Debian/Ubuntu: sudo apt-get install -y postgresql redis-server) or set DATABASE_URL / REDIS_URL, then run `npm run demo` again.',
        ].join('\n'),
      );
      return 1;
    }
    const ok = await walkthrough(session, sim, options.out);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (!ok) {
      options.out(`\nThe demo stopped at a step that failed (above), after ${seconds} s.`);
      return 1;
    }
    if (options.keep && options.stop) {
      options.out(keepText(session, sim));
      await options.stop();
      options.out(
        `\nDemo stopped. The database ${session.databaseName} is left as it was; its Redis keys are deleted.`,
      );
      return 0;
    }
    options.out(
      `\nDemo finished in ${seconds} s. The database ${session.databaseName} is left as the demo made it (the next demo empties it); its Redis keys are deleted. Run \`npm run demo -- --keep\` to try commands on it yourself.`,
    );
    return 0;
  } finally {
    await session?.close();
    await sim.stop();
  }
}

function keepText(session: DemoSession, sim: Simulator): string {
  const env = Object.entries(session.shellEnv)
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  return [
    '',
    `The demo keeps running: a worker and the simulated Instagram (${sim.instagramUrl}). In another terminal:`,
    '',
    `  export ${env}`,
    '  npx storywatch results fitness',
    '  npx storywatch batch run travel 20 --follow',
    '  npx storywatch batch history --json',
    '  npx storywatch stats',
    '',
    'Press Ctrl-C here to stop the demo.',
  ].join('\n');
}
