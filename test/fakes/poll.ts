/** Polls `check` (a fake's record of what it got) until it returns a value, or fails after `timeoutMs`. */
export async function pollUntil<T>(
  check: () => T | undefined | false,
  timeoutMs: number,
  who: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${who}: condition not met in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
