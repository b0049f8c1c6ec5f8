/**
 * The simulated Instagram's accounts: a seeded, repeatable mix of what a real niche list holds. Part
 * of the demo's simulator (the header of instagram.ts says why it exists and who may start it).
 */

/** What a simulated account is like; `gone` accounts are listed (the demo imports them) but answer 404. */
export type SimKind = 'live' | 'expired' | 'none' | 'private' | 'gone' | 'false_404';

export interface SimUser {
  username: string;
  /** Instagram's numeric id (what the story step asks about). */
  id: string;
  kind: SimKind;
  isPrivate: boolean;
  /** When the latest story was posted; it is visible for 24 h after that. */
  storyPostedAt: Date | null;
}

const FIRST = ['anna', 'leo', 'mia', 'noah', 'zoe', 'kai', 'lena', 'max', 'ivy', 'sam', 'nora', 'finn'];
const THEMES = ['fit', 'lifts', 'runs', 'yoga', 'travels', 'wander', 'eats', 'studio', 'trails', 'coach'];
const JOINERS = ['.', '_', '', '.the.'];

/** A small seeded generator (mulberry32): the same seed gives the same population on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shares of each kind, in order; whatever is left over has no story at all. */
const MIX: ReadonlyArray<[SimKind, number]> = [
  ['live', 0.4],
  ['expired', 0.18],
  ['private', 0.08],
  ['gone', 0.06],
];

function kindAt(i: number, count: number): SimKind {
  // The false 404 is always the third account, so a demo of any size meets it early.
  if (i === 2) return 'false_404';
  let edge = 0;
  const at = (i + 0.5) / count;
  for (const [kind, share] of MIX) {
    edge += share;
    if (at < edge) return kind;
  }
  return 'none';
}

function postedAt(kind: SimKind, nowMs: number, rnd: () => number): Date | null {
  const hours = (lo: number, hi: number) => new Date(nowMs - (lo + rnd() * (hi - lo)) * 3600_000);
  if (kind === 'live' || kind === 'false_404') return hours(0.2, 20);
  if (kind === 'expired') return hours(26, 60);
  if (kind === 'private') return rnd() < 0.5 ? hours(1, 10) : null;
  return null;
}

/** `count` accounts with distinct, plausible usernames; kinds are spread evenly, then shuffled. */
export function simulatedPopulation(count: number, seed = 16, nowMs = Date.now()): SimUser[] {
  const rnd = seededRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)] as T;
  const names = new Set<string>();
  while (names.size < count) {
    const digits = rnd() < 0.4 ? String(Math.floor(rnd() * 99)) : '';
    names.add(`${pick(FIRST)}${pick(JOINERS)}${pick(THEMES)}${digits}`.slice(0, 30));
  }
  const kinds = Array.from({ length: count }, (_, i) => kindAt(i, count));
  // Shuffle all but the false 404 so the import file does not list the kinds in blocks.
  for (let i = kinds.length - 1; i > 3; i--) {
    const j = 3 + Math.floor(rnd() * (i - 2));
    [kinds[i], kinds[j]] = [kinds[j] as SimKind, kinds[i] as SimKind];
  }
  return [...names].map((username, i) => {
    const kind = kinds[i] as SimKind;
    return {
      username,
      id: String(4_100_000_000 + i * 7919),
      kind,
      isPrivate: kind === 'private',
      storyPostedAt: postedAt(kind, nowMs, rnd),
    };
  });
}
