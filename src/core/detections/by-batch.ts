import type { CoreDeps } from '../deps.js';

/** Who had a story in a batch, newest detection first (a batch's summary lists them). */
export async function batchDetectionUsernames(
  deps: Pick<CoreDeps, 'sql'>,
  batchId: number,
): Promise<string[]> {
  const rows = await deps.sql<Array<{ username: string }>>`
    select username from detections where batch_id = ${batchId} order by detected_at desc, username`;
  return rows.map((r) => r.username);
}
