import { describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH, chartPng, statsChartSvg } from '../../src/charts/stats-chart.js';
import type { StatsHistory } from '../../src/core/stats-history.js';
import { maskReply } from '../../src/reply/mask-reply.js';
import { chartBlock, renderPlain, reply } from '../../src/reply/reply.js';
import { pngSize } from '../helpers/png.js';

const DAYS = [
  '2026-11-30',
  '2026-12-01',
  '2026-12-02',
  '2026-12-03',
  '2026-12-04',
  '2026-12-05',
  '2026-12-06',
];

function history(niches: number): StatsHistory {
  return {
    timeZone: 'Europe/Berlin',
    days: DAYS,
    from: '2026-11-29T23:00:00.000Z',
    to: '2026-12-06T09:00:00.000Z',
    niches: Array.from({ length: niches }, (_, i) => ({
      nicheId: i + 1,
      niche: i === 2 ? 'a niche whose name goes on and on and on' : `niche ${i + 1}`,
      target: i % 3 === 0 ? 0 : 10 + i,
      stories: DAYS.map((_, d) => (i * 7 + d * 3) % 25),
      checks: i === 1 ? 0 : 100 + i,
      hitRate: i === 1 ? null : ((i * 7) % 40) / 100,
    })),
  };
}

describe('the stats chart', () => {
  it('GIVEN four niches THEN a PNG of the fixed size, identical for identical data', () => {
    const png = chartPng(history(4));
    expect(pngSize(png)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(chartPng(history(4)).equals(png)).toBe(true);
    // Different data, different picture: the bytes follow the numbers.
    const other = history(4);
    other.niches[0]!.stories[6] = 24;
    expect(chartPng(other).equals(png)).toBe(false);
  });

  it('GIVEN the SVG THEN it names the zone, the days, every niche and each hit rate, and has no animation', () => {
    const svg = statsChartSvg(history(4));
    expect(svg).toContain('Europe/Berlin');
    expect(svg).toContain('Mon 30.11');
    expect(svg).toContain('Sun 06.12');
    for (const name of ['niche 1', 'niche 2', 'niche 4']) expect(svg).toContain(name);
    expect(svg).toContain('no checks'); // niche 2 has no answered check
    expect(svg).toContain('21.0 %'); // niche 4: 0.21
    expect(svg).not.toMatch(/<animate|@keyframes/);
  });

  it('GIVEN no niches, or fifteen THEN still a PNG of the fixed size (a note; a scrolling legend)', () => {
    expect(pngSize(chartPng(history(0)))).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(statsChartSvg(history(0))).toContain('No niches yet');
    expect(pngSize(chartPng(history(15)))).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    // The legend pages instead of running off the picture.
    expect(statsChartSvg(history(15))).toMatch(/1\/\d/);
  });
});

describe('a chart block in a reply', () => {
  it('GIVEN plain text (console, tests) THEN the caption and the file name show, not the numbers', () => {
    const r = reply.of([
      chartBlock('stats-2026-12-06-1030.png', 'Chart: stories per niche per day.', history(2)),
    ]);
    expect(renderPlain(r)).toBe('Chart: stories per niche per day.\n(stats-2026-12-06-1030.png)');
  });

  it('GIVEN a caption quoting a proxy line THEN the masked reply hides its password and keeps the numbers', () => {
    const r = reply.of([chartBlock('c.png', 'from 10.0.0.1:8080:user:hunter2secret', history(2))]);
    const masked = maskReply(r).blocks[0] as Extract<(typeof r.blocks)[number], { type: 'chart' }>;
    expect(masked.caption).not.toContain('hunter2secret');
    expect(masked.chart).toEqual(history(2));
  });
});
