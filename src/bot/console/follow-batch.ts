import { type Batch, getBatch } from '../../core/batches/index.js';
import type { CoreDeps } from '../../core/deps.js';

/** Where `batch run ... --follow` draws its progress: stderr, so `--json` stdout stays one document. */
export interface ProgressSink {
  /** A terminal: one line redrawn in place with `\r`. Otherwise a line per tenth of the batch. */
  isTTY: boolean;
  write(text: string): void;
}

export interface FollowOptions {
  /** Aborted (Ctrl-C) to stop following; the batch goes on. */
  signal: AbortSignal;
  /** How often the batch row is read (default 250 ms). */
  pollMs?: number;
  /** Asked once when the batch is still pending after a few seconds: is any worker running? */
  liveWorkers?: () => Promise<number>;
}

const BAR_WIDTH = 30;
const NO_WORKER_AFTER_MS = 3_000;

const active = (b: Batch) => b.status === 'pending' || b.status === 'in_progress';

/** `[#########.....]  40%  24/60 checked, 5 stories`, with what the batch waits for, if anything. */
export function progressLine(b: Batch): string {
  const share = b.requested > 0 ? Math.min(1, b.checked / b.requested) : 0;
  const filled = Math.round(share * BAR_WIDTH);
  const pct = `${Math.floor(share * 100)}%`.padStart(4);
  const state =
    b.status === 'pending'
      ? 'waiting for a worker'
      : b.waitingReason
        ? `waiting: ${b.waitingReason}`
        : `${b.stories} ${b.stories === 1 ? 'story' : 'stories'}`;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${pct}  ${b.checked}/${b.requested} checked, ${state}`;
}

/** Resolves after `ms`, or at once when the signal is aborted. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Draws each state once: redrawn in place on a terminal, a line per 10 % (and per state change) elsewhere. */
class ProgressDrawer {
  private lastTenth = -1;
  private lastState = '';
  private drawn = '';

  constructor(private readonly sink: ProgressSink) {}

  draw(b: Batch): void {
    const line = progressLine(b);
    if (this.sink.isTTY) {
      if (line === this.drawn) return;
      this.sink.write(`\r${line.padEnd(this.drawn.length)}`);
      this.drawn = line;
      return;
    }
    const tenth = b.requested > 0 ? Math.floor((10 * b.checked) / b.requested) : 0;
    // Pending, or running (what it waits for): the end itself is the summary's to say, not one more line.
    const state = b.status === 'pending' ? 'pending' : `running:${b.waitingReason ?? ''}`;
    if (tenth === this.lastTenth && state === this.lastState) return;
    this.lastTenth = tenth;
    this.lastState = state;
    this.sink.write(`${line}\n`);
  }

  /** Ends the redrawn line so whatever comes next starts on a line of its own. */
  close(): void {
    if (this.sink.isTTY && this.drawn) this.sink.write('\n');
    this.drawn = '';
  }
}

/**
 * Reads the batch until it ends (or the signal says stop following) and draws its progress. Returns
 * the last state read and whether it ended; a batch that vanished (deleted) ends the follow too.
 */
export async function followBatch(
  core: Pick<CoreDeps, 'db'>,
  batchId: number,
  sink: ProgressSink,
  options: FollowOptions,
): Promise<{ batch: Batch | undefined; ended: boolean }> {
  const drawer = new ProgressDrawer(sink);
  const started = Date.now();
  let askedWorkers = false;
  let batch = await getBatch(core, batchId);
  try {
    while (batch && active(batch) && !options.signal.aborted) {
      drawer.draw(batch);
      if (!askedWorkers && batch.status === 'pending' && Date.now() - started > NO_WORKER_AFTER_MS) {
        askedWorkers = true;
        const workers = await options.liveWorkers?.().catch(() => null);
        if (workers === 0) {
          drawer.close();
          sink.write(
            'No worker process is running, so nothing is being checked yet. Start one (e.g. `npm start`); this keeps following.\n',
          );
        }
      }
      await pause(options.pollMs ?? 250, options.signal);
      const next = await getBatch(core, batchId);
      if (!next) break; // removed meanwhile (retention): nothing more to follow
      batch = next;
    }
    if (batch) drawer.draw(batch);
  } finally {
    drawer.close();
  }
  return { batch, ended: batch !== undefined && !active(batch) };
}
