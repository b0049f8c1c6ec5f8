import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNiche } from '../../src/core/niches.js';
import { consoleRunner } from '../helpers/console.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

// `profiles list ... --json` for a script: pages of up to 1,000 rows, and where the next page is.
let deps: TestDeps;

const storywatch = consoleRunner(() => ({ core: deps, services: {} }));

interface Page {
  page: number;
  pages: number;
  pageSize: number;
  total: number;
  nextPage: number | null;
  profiles: Array<{ username: string }>;
}

beforeAll(async () => {
  deps = await createTestDeps({ max: 2 });
  const id = (await createNiche(deps, 'fitness')).id;
  await deps.sql`insert into profiles (username, niche_id)
    select 'p' || lpad(i::text, 5, '0'), ${id}::int from generate_series(0, 1199) i`;
});
afterAll(async () => {
  await deps.close();
});

describe('console: profiles list --json returns every row, a page of up to 1,000 at a time', () => {
  it('GIVEN 1,200 profiles and --per-page 1000 THEN two pages hold every username once, nextPage leads on', async () => {
    const seen: string[] = [];
    let page: number | null = 1;
    const pages: Page[] = [];
    while (page !== null) {
      const r = await storywatch(
        'profiles',
        'list',
        'fitness',
        '--per-page',
        '1000',
        '--page',
        String(page),
        '--json',
      );
      expect(r.code).toBe(0);
      const p = JSON.parse(r.out) as Page;
      pages.push(p);
      seen.push(...p.profiles.map((x) => x.username));
      page = p.nextPage;
    }
    expect(pages.map((p) => [p.page, p.profiles.length, p.nextPage])).toEqual([
      [1, 1000, 2],
      [2, 200, null],
    ]);
    expect(pages[0]).toMatchObject({ pages: 2, pageSize: 1000, total: 1200 });
    expect(new Set(seen).size).toBe(1200);
  });

  it('GIVEN --per-page 20 in text THEN the next-page hint carries the page size', async () => {
    const r = await storywatch('profiles', 'list', 'fitness', '--per-page', '20');
    expect(r.out).toContain('page 1 of 60 (1-20 of 1200 profiles)');
    expect(r.out).toContain(
      'Next page: storywatch profiles list fitness active --sort username --page 2 --per-page 20',
    );
  });

  it('GIVEN --per-page over 1,000 THEN the range is named and nothing is listed', async () => {
    const r = await storywatch('profiles', 'list', 'fitness', '--per-page', '5000');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('Per-page must be from 1 to 1000; got 5000.');
  });
});
