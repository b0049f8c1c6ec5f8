import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/charts/stats-chart.js';
import { createNiche } from '../../src/core/niches.js';
import { consoleRunner } from '../helpers/console.js';
import { createTestDeps, ManualClock, type TestDeps } from '../helpers/deps.js';
import { pngSize } from '../helpers/png.js';

// 09:30 UTC is 10:30 in Berlin: the chart's file name is the operator's local time.
const NOW = new Date('2026-12-06T09:30:00Z');
let deps: TestDeps;
let dir: string;
const savedInitCwd = process.env.INIT_CWD;

const storywatch = consoleRunner(() => ({ core: deps, services: { timeZone: 'Europe/Berlin' } }));

beforeAll(async () => {
  deps = await createTestDeps({ max: 2, clock: new ManualClock(NOW) });
  const niche = await createNiche(deps, 'fitness');
  await deps.sql`insert into profiles (username, niche_id) values ('anna', ${niche.id})`;
  await deps.sql`insert into detections (username, niche_id, detected_at) values ('anna', ${niche.id}, ${NOW})`;
  dir = await mkdtemp(join(tmpdir(), 'sw-chart-'));
  // Relative paths start where the command was typed (npm's INIT_CWD): here, this test's directory.
  process.env.INIT_CWD = dir;
});
afterAll(async () => {
  if (savedInitCwd === undefined) delete process.env.INIT_CWD;
  else process.env.INIT_CWD = savedInitCwd;
  await deps.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the stats chart on the console', () => {
  it('GIVEN stats THEN a PNG is written where the command was typed, timestamped, and its path printed', async () => {
    const r = await storywatch('stats');
    expect(r.code).toBe(0);
    const path = join(dir, 'stats-2026-12-06-1030.png');
    expect(r.out).toMatch(
      new RegExp(
        `Chart: stories per niche per day .*\\nWrote ${path.replace(/[.]/g, '\\.')} \\(\\d+ bytes, PNG\\)\\.`,
      ),
    );
    expect(pngSize(await readFile(path))).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
  });

  it('GIVEN stats --json THEN the path is in the data with the numbers drawn, and no picture bytes', async () => {
    await rm(join(dir, 'stats-2026-12-06-1030.png'), { force: true });
    const r = await storywatch('stats', '--json');
    expect(r.code).toBe(0);
    const data = JSON.parse(r.out) as {
      savedTo: string[];
      history: { niches: Array<{ stories: number[] }> };
    };
    expect(data.savedTo).toEqual([join(dir, 'stats-2026-12-06-1030.png')]);
    expect(data.history.niches[0]?.stories).toEqual([0, 0, 0, 0, 0, 0, 1]);
    expect(r.out).not.toMatch(/iVBORw0KGgo|PNG\r\n/);
    expect(pngSize(await readFile(data.savedTo[0]!))).toBeDefined();
  });

  it('GIVEN stats --out week.png THEN the chart is written there and nowhere else', async () => {
    await rm(join(dir, 'stats-2026-12-06-1030.png'), { force: true });
    const r = await storywatch('stats', '--out', 'week.png');
    expect(r.out).toContain(`Wrote ${join(dir, 'week.png')}`);
    expect(pngSize(await readFile(join(dir, 'week.png')))).toBeDefined();
    expect((await readdir(dir)).filter((n) => n.startsWith('stats-'))).toEqual([]);
  });
});
