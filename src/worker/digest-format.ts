import type { DigestNiche } from '../core/digest.js';
import { type Block, type Reply, textBlock, usernamesBlock } from '../reply/reply.js';

function hourLabel(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

export function formatDigest(
  niches: readonly DigestNiche[],
  window: { from: Date; to: Date; timeZone: string },
): Reply {
  const total = niches.reduce((n, x) => n + x.usernames.length, 0);
  const blocks: Block[] = [
    textBlock(
      `Hourly digest ${hourLabel(window.from, window.timeZone)}–${hourLabel(window.to, window.timeZone)} (${window.timeZone}): ${total} new ${total === 1 ? 'story' : 'stories'}`,
    ),
  ];
  for (const n of niches) {
    const goal = n.target > 0 ? `today ${n.today}/${n.target}` : `today ${n.today}`;
    const slug = n.nicheName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    blocks.push(
      usernamesBlock(`${n.nicheName}: ${n.usernames.length} new, ${goal}`, n.usernames, `digest-${slug}.txt`),
    );
  }
  return {
    blocks,
    data: { window: { from: window.from.toISOString(), to: window.to.toISOString() }, niches },
  };
}
