import type { Batch } from './types.js';

export function errorTotal(batch: Pick<Batch, 'errors'>): number {
  return Object.values(batch.errors ?? {}).reduce((a, b) => a + b, 0);
}

export function describeErrors(batch: Pick<Batch, 'errors'>): string {
  const entries = Object.entries(batch.errors ?? {}).sort((a, b) => b[1] - a[1]);
  return entries.map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`).join(', ');
}

/** One line per batch for status, history, progress and the final summary. */
export function describeBatch(b: Batch): string {
  const status = b.status.replace('_', ' ');
  const parts = [
    `#${b.id} ${b.nicheName} (${b.trigger}): ${status}`,
    `${b.checked}/${b.requested} checked`,
    `${b.stories} ${b.stories === 1 ? 'story' : 'stories'}`,
  ];
  if (b.private) parts.push(`${b.private} private`);
  if (b.notFound) parts.push(`${b.notFound} not found`);
  if (b.deleted) parts.push(`${b.deleted} deleted`);
  const errors = errorTotal(b);
  if (errors) parts.push(`${errors} errors (${describeErrors(b)})`);
  if (b.cancelRequestedAt && b.status === 'in_progress') parts.push('stopping');
  else if (b.waitingReason && b.status === 'in_progress') parts.push(`waiting: ${b.waitingReason}`);
  let line = parts.join(', ');
  if (b.failureReason) line += `. Reason: ${b.failureReason}`;
  return line;
}
