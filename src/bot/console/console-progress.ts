import type { ProgressUpdate } from '../commands/types.js';
import { progressText } from '../shared/chat-progress.js';

/** Where progress goes: standard error, so standard output stays the reply (and parseable with --json). */
export interface ProgressOutput {
  write(text: string): void;
  /** A terminal: one line redrawn in place. Anything else (a file, a pipe, CI) gets a line per tenth. */
  isTTY: boolean;
}

export interface ConsoleProgress {
  update(u: ProgressUpdate): void;
  /** Ends a line drawn in place, so the reply starts on a line of its own. */
  done(): void;
}

/**
 * The console's rendering of a long command's progress (an import of a large file): on a terminal,
 * one line on standard error redrawn with `\r`; elsewhere a line at the start and each time another
 * tenth is done, so a log of the run stays short.
 */
export function consoleProgress(out: ProgressOutput): ConsoleProgress {
  let drawn = 0;
  let lastTenth = -1;
  return {
    update(u) {
      const text = progressText(u);
      if (out.isTTY) {
        // Pad over a longer previous line (a restarted transaction starts again from 0).
        out.write(`\r${text.padEnd(drawn)}`);
        drawn = Math.max(drawn, text.length);
        return;
      }
      const tenth = u.total === 0 ? 10 : Math.floor((u.done / u.total) * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      out.write(`${text}\n`);
    },
    done() {
      if (out.isTTY && drawn > 0) out.write('\n');
      drawn = 0;
    },
  };
}

/** Progress to this process's standard error. */
export function stderrProgress(): ConsoleProgress {
  return consoleProgress({
    write: (t) => process.stderr.write(t),
    isTTY: process.stderr.isTTY === true,
  });
}
