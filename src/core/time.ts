/** Midnight of `at`'s calendar day in `timeZone` ("today" for daily targets), as an instant. */
export function startOfDay(at: Date, timeZone: string): Date {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  // Wall-clock time in the zone, read as if it were UTC; the difference to `at` is the zone's offset.
  const wallAsUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  const offsetMs = wallAsUtc - Math.floor(at.getTime() / 1000) * 1000;
  const midnightWall = Date.UTC(get('year'), get('month') - 1, get('day'));
  return new Date(midnightWall - offsetMs);
}

export function floorToHour(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 3600_000) * 3600_000);
}

/** "14:00": `at` on the 24-hour clock of `timeZone`, as the operator reads it. */
export function localClockTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}
