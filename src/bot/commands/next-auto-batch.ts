import type { NextAutoBatch } from '../../core/auto-trigger.js';
import { localClockTime } from '../../core/time.js';

/** A niche the auto-trigger would top up: a target above 0 and fewer stories today. */
export interface Behind {
  niche: string;
  left: number;
}

/** "in 23 min", "in 1 h 05 min", rounded up so "in 0 min" is never said of a moment still ahead. */
function inWords(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return m < 60 ? `in ${m} min` : `in ${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

function forWhom(behind: readonly Behind[]): string {
  const shown = behind.slice(0, 5).map((b, i) => `${b.niche} (${b.left} left${i === 0 ? ' today' : ''})`);
  const more = behind.length > 5 ? ` and ${behind.length - 5} more` : '';
  return `${shown.join(', ')}${more}`;
}

/**
 * The line under `target list` that says when the automatic batches run next and for which niches, in
 * the operator's time zone (STORYWATCH_TIMEZONE): "Next automatic batch: 14:00 Europe/Berlin (in 23
 * min), for fitness (12 left today)". `next` is undefined where this process cannot ask the scheduler.
 */
export function nextAutoBatchLine(input: {
  next: NextAutoBatch | undefined;
  behind: readonly Behind[];
  anyTarget: boolean;
  now: Date;
  timeZone: string;
}): string {
  const { next, behind, now, timeZone } = input;
  if (!input.anyTarget)
    return 'No automatic batches: every daily target is 0. Set one with `target set NAME COUNT`.';
  if (behind.length === 0) {
    return 'No automatic batch needed: every niche with a target has reached it today.';
  }
  const who = forWhom(behind);
  if (next === undefined) return `Next automatic batch: at a random minute of each hour, for ${who}.`;
  switch (next.kind) {
    case 'at':
      return `Next automatic batch: ${localClockTime(next.at, timeZone)} ${timeZone} (${inWords(next.at.getTime() - now.getTime())}), for ${who}.`;
    case 'underway':
      return `Automatic batches are being started now (this hour's run), for ${who}.`;
    case 'next-hour':
      return (
        `Next automatic batch: between ${localClockTime(next.from, timeZone)} and ${localClockTime(next.to, timeZone)} ` +
        `${timeZone} (at a random minute, ${inWords(next.from.getTime() - now.getTime())} at the earliest), for ${who}.`
      );
  }
}
