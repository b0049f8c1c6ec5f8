import type { StatsHistory } from '../core/stats-history.js';

export { CHART_HEIGHT, CHART_WIDTH } from './stats-option.js';

/**
 * The chart as PNG bytes, with ECharts and resvg loaded on first use: importing them takes a second or
 * more (hundreds of ECharts modules), which every console command and every bot start would otherwise
 * pay, though only `stats` and the daily digest draw anything. Front-ends import this, not
 * stats-chart.ts.
 */
export async function drawChartPng(h: StatsHistory): Promise<Buffer> {
  const { chartPng } = await import('./stats-chart.js');
  return chartPng(h);
}
