import type { batches } from '../db/schema/index.js';

export type Batch = typeof batches.$inferSelect;
export type BatchStatus = Batch['status'];
export type SelectionPolicy = 'oldest' | 'yield';

export const SELECTION_POLICIES: readonly SelectionPolicy[] = ['oldest', 'yield'];
export const ACTIVE_STATUSES: readonly BatchStatus[] = ['pending', 'in_progress'];

export function isSelectionPolicy(value: string): value is SelectionPolicy {
  return (SELECTION_POLICIES as readonly string[]).includes(value);
}
