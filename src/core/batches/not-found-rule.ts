/**
 * Instagram answers false 404s (per IP, for a while), so one not_found never deletes a profile. The
 * second strike counts only when it comes through a different proxy than the first and at least this
 * long after it; a strike that does not count leaves the first one standing.
 */
export const NOT_FOUND_MIN_GAP_MS = 10 * 60_000;
