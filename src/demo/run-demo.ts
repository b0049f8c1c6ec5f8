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
  /** Aborted by Ctrl-C (or SIGTERM) during the walkthrough: the step under way ends, no other starts. */
  interrupt: AbortSignal;
  /** One console line, printed exactly as `storywatch ...` prints it; the exit code. */
  console(argv: string[]): Promise<number>;
  /** Stops the worker, closes every connection, deletes the demo's Redis keys. */
  close(): Promise<void>;
}

/** Another demo holds this database and prefix: its message says which and what to do, nothing more. */
export class DemoBusyError extends Error {}

export interface DemoHost {
  open(instagramUrl: string, interrupt: AbortSignal): Promise<DemoSession>;
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
  const interrupt = interruptOnSignals();
  try {
    try {
      session = await host.open(sim.instagramUrl, interrupt.signal);
    } catch (err) {
      options.out(cannotStart(err));
      return 1;
    }
    const ok = await walkthrough(session, sim, options.out);
    interrupt.release();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (interrupt.signal.aborted) {
      options.out(interruptedText(session, seconds));
      return INTERRUPTED;
    }
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
    interrupt.release();
    await session?.close();
    await sim.stop();
  }
}

/** Exit code of a demo stopped by Ctrl-C (128 + SIGINT, as shells report it). */
const INTERRUPTED = 130;

/**
 * Ctrl-C or SIGTERM during the walkthrough: the step under way ends (a followed batch stops being
 * followed) and the demo closes as after its last step, so its Redis keys go and its place is freed.
 * A second signal ends the process at once, for a step that does not end.
 */
function interruptOnSignals(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function interruptedText(session: DemoSession, seconds: string): string {
  return [
    `\nDemo interrupted after ${seconds} s. Its worker stops with it: a batch it started does not go on, and the`,
    `commands printed above do not reach it. The database ${session.databaseName} keeps what was done so far (the`,
    'next demo empties it); its Redis keys are deleted. Run `npm run demo` again for the whole walkthrough.',
  ].join('\n');
}

function cannotStart(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof DemoBusyError) return message;
  // The message already names what failed and what to change (a refused login, a bad variable, a
  // server not answering); installing Postgres and Redis is the cure only for the last.
  return [
    `The demo cannot start: ${message}`,
    'It needs Postgres and Redis where DATABASE_URL and REDIS_URL point (by default on this machine; Debian/Ubuntu: sudo apt-get install -y postgresql redis-server). Fix the above, then run `npm run demo` again.',
  ].join('\n');
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
