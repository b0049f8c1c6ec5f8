import type { ProgressUpdate } from '../commands/types.js';

interface WarnLog {
  warn(obj: object, msg: string): void;
}

/** How a chat shows progress: posts (first call) or edits (later calls) one message with this text. */
export interface ChatProgressDeps {
  show(text: string): Promise<void>;
  log: WarnLog;
  /** Milliseconds on some clock; injected so the throttle is tested without waiting. */
  now?: () => number;
  /** Least time between two requests: a chat's edit limits are about one a second per message. */
  intervalMs?: number;
  /** How long the final reply waits for a progress request still out (a slow or rate-limited chat). */
  finishWaitMs?: number;
  /** Resolves after `ms`; injected so a test never sleeps. */
  wait?: (ms: number) => Promise<void>;
}

export interface ChatProgress {
  /** Called by the command as it goes (synchronously, never throws, never waits for the chat). */
  update(u: ProgressUpdate): void;
  /** Before the final reply: waits for the request out, then shows the last state if it is not shown yet. */
  finish(): Promise<void>;
}

/** "Importing into fitness: 40,000 of 200,000 usernames (20 %)": one line, in a chat and on the console's stderr alike. */
export function progressText(u: ProgressUpdate): string {
  const pct = u.total === 0 ? 100 : Math.floor((u.done / u.total) * 100);
  return `${u.what}: ${u.done.toLocaleString('en-US')} of ${u.total.toLocaleString('en-US')} ${u.unit} (${pct} %)`;
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * Throttles a long command's progress into one chat message: the first update is shown at once, later
 * ones at most every `intervalMs` and never while a request is still out (a chat answers 429 to more),
 * and `finish` shows the last state before the reply. A failed request is logged and skipped: the
 * command itself never waits for the chat nor fails because of it.
 */
export function chatProgress(deps: ChatProgressDeps): ChatProgress {
  const now = deps.now ?? Date.now;
  const intervalMs = deps.intervalMs ?? 1_500;
  const wait = deps.wait ?? sleep;
  const finishWaitMs = deps.finishWaitMs ?? 5_000;
  let latest: string | undefined;
  let shown: string | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  const start = (text: string) => {
    lastStart = now();
    let request: Promise<void>;
    try {
      request = deps.show(text);
    } catch (err) {
      request = Promise.reject(err);
    }
    inFlight = request
      .then(
        () => {
          shown = text;
        },
        (err: unknown) => {
          deps.log.warn({ err }, 'progress message not updated');
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
  };

  return {
    update(u) {
      latest = progressText(u);
      if (inFlight || latest === shown || now() - lastStart < intervalMs) return;
      start(latest);
    },
    async finish() {
      const settled = async () => {
        if (inFlight) await Promise.race([inFlight, wait(finishWaitMs)]);
      };
      await settled();
      // Still out after the wait: the reply goes anyway rather than two requests racing.
      if (inFlight || latest === undefined || latest === shown) return;
      start(latest);
      await settled();
    },
  };
}
