import { dayLabel } from '../charts/stats-option.js';
import type { DigestNiche } from '../core/digest.js';
import type { StatsHistory } from '../core/stats-history.js';
import { localClockTime } from '../core/time.js';
import { type Block, chartBlock, type Reply, tableBlock, textBlock, usernamesBlock } from '../reply/reply.js';

export function formatDigest(
  niches: readonly DigestNiche[],
  window: { from: Date; to: Date; timeZone: string },
): Reply {
  const total = niches.reduce((n, x) => n + x.usernames.length, 0);
  const blocks: Block[] = [
    textBlock(
      `Hourly digest ${localClockTime(window.from, window.timeZone)}–${localClockTime(window.to, window.timeZone)} (${window.timeZone}): ${total} new ${total === 1 ? 'story' : 'stories'}`,
    ),
  ];
  for (const n of niches) {
    const goal = n.target > 0 ? `today ${n.today}/${n.target}` : `today ${n.today}`;
    const slug = n.nicheName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    // Every renderer adds the list's length after the title: "Fitness, today 2/20, new (2)".
    blocks.push(usernamesBlock(`${n.nicheName}, ${goal}, new`, n.usernames, `digest-${slug}.txt`));
  }
  return {
    blocks,
    data: { window: { from: window.from.toISOString(), to: window.to.toISOString() }, niches },
  };
}

const pct = (r: number | null): string => (r === null ? '-' : `${(r * 100).toFixed(1)} %`);

/**
 * The daily digest, sent by the first digest tick of a local day: yesterday's stories per niche against
 * its target, the hit rate over the 7 days, and the 7-day chart (drawn where it is sent). It comes even
 * on a day without stories: a silent niche is news too.
 */
export function formatDailyDigest(h: StatsHistory): Reply {
  const day = h.days.at(-1) ?? '';
  const last = h.days.length - 1;
  const total = h.niches.reduce((n, x) => n + (x.stories[last] ?? 0), 0);
  const met = h.niches.filter((n) => n.target > 0 && (n.stories[last] ?? 0) >= n.target).length;
  const withTarget = h.niches.filter((n) => n.target > 0).length;
  const blocks: Block[] = [
    textBlock(
      `Daily digest for ${dayLabel(day)} (${h.timeZone}): ${total} ${total === 1 ? 'story' : 'stories'}${withTarget > 0 ? `; ${met} of ${withTarget} niches with a target met it` : ''}.`,
    ),
  ];
  if (h.niches.length > 0) {
    blocks.push(
      tableBlock(
        ['niche', 'stories', 'target', `hit rate ${h.days.length} d`],
        h.niches.map((n) => [
          n.niche,
          String(n.stories[last] ?? 0),
          n.target > 0 ? `${n.target}${(n.stories[last] ?? 0) >= n.target ? ' met' : ''}` : 'off',
          pct(n.hitRate),
        ]),
      ),
    );
  }
  blocks.push(
    chartBlock(
      `daily-${day}.png`,
      `Stories per niche per day, ${h.days[0]} to ${day} (${h.timeZone}), against each niche's target; hit rate per niche.`,
      h,
    ),
  );
  return { blocks, data: { day, timeZone: h.timeZone, history: h } };
}
