import { type ConsoleDeps, runConsole } from '../../src/bot/console/run-console.js';
import type { CommandBase } from '../../src/bot/shared/command-context.js';

export interface ConsoleRun {
  code: number;
  out: string;
  err: string;
}

/**
 * `storywatch ARGS...` through the console front-end as the bin runs it, minus the process: the base
 * (core and services) is read at each call, so a test may build it in `beforeAll`.
 */
export function consoleRunner(base: () => CommandBase): (...argv: string[]) => Promise<ConsoleRun> {
  return async (...argv) => {
    const out: string[] = [];
    const err: string[] = [];
    const consoleDeps: ConsoleDeps = {
      configure: () => ({
        registerDiscord: () => Promise.reject(new Error('not in this test')),
        withCommandBase: (work) => work(base()),
      }),
    };
    const code = await runConsole(argv, consoleDeps, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
}
