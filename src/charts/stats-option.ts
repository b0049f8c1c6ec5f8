import type { NicheHistory, StatsHistory } from '../core/stats-history.js';

/** The picture's size in pixels: wide enough for 7 groups of bars next to the hit-rate panel. */
export const CHART_WIDTH = 1000;
export const CHART_HEIGHT = 600;

/** The one font the PNG step embeds (DejaVu Sans, from npm), so every machine draws the same text. */
export const CHART_FONT = 'DejaVu Sans';

/**
 * Colour-blind-friendly (Okabe-Ito first, then Tableau 10) and repeated after 16 niches; the legend
 * and the hit-rate bars use the same colour per niche so the two panels read together.
 */
const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
  '#4E79A7',
  '#F28E2B',
  '#59A14F',
  '#B07AA1',
  '#9C755F',
  '#EDC948',
  '#76B7B2',
  '#FF9DA7',
];

export const colourOf = (i: number): string => PALETTE[i % PALETTE.length] as string;

const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `2026-06-15` as `Mon 15.06`: the weekday matters to an operator reading a week of stories. */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const weekday = WEEKDAY[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  return `${weekday} ${String(d).padStart(2, '0')}.${String(m).padStart(2, '0')}`;
}

const pct = (r: number | null): string => (r === null ? 'no checks' : `${(r * 100).toFixed(1)} %`);

/** One niche's bars, with its target as a dashed line of the same colour across the week. */
function storySeries(n: NicheHistory, i: number, many: boolean) {
  return {
    type: 'bar' as const,
    name: n.niche,
    data: n.stories,
    itemStyle: { color: colourOf(i) },
    barMaxWidth: 18,
    barGap: '10%',
    ...(n.target > 0
      ? {
          markLine: {
            silent: true,
            symbol: 'none',
            data: [{ yAxis: n.target, name: `target ${n.target}` }],
            lineStyle: { color: colourOf(i), type: 'dashed' as const, width: 2 },
            label: many
              ? { show: false }
              : { show: true, position: 'end' as const, formatter: `${n.target}`, color: colourOf(i) },
          },
        }
      : {}),
  };
}

/** The hit rate per niche: horizontal bars in the niches' colours, the value written at each bar. */
function hitRateSeries(niches: NicheHistory[]) {
  return {
    type: 'bar' as const,
    name: 'hit rate',
    xAxisIndex: 1,
    yAxisIndex: 1,
    barMaxWidth: 22,
    data: niches.map((n, i) => ({
      value: n.hitRate === null ? 0 : Math.round(n.hitRate * 1000) / 10,
      itemStyle: { color: colourOf(i) },
      label: { formatter: pct(n.hitRate) },
    })),
    label: { show: true, position: 'right' as const, fontSize: niches.length > 12 ? 10 : 12, color: '#333' },
  };
}

function titles(h: StatsHistory) {
  const first = h.days[0] ?? '';
  const last = h.days.at(-1) ?? '';
  return [
    {
      text: 'Stories per niche per day',
      subtext: `${first} to ${last} (${h.timeZone}); dashed line: the niche's daily target`,
      left: 20,
      top: 10,
      itemGap: 12,
    },
    {
      text: `Hit rate, ${h.days.length} days`,
      subtext: 'stories per answered check',
      left: 690,
      top: 10,
      itemGap: 12,
    },
  ];
}

/**
 * The ECharts option of the stats chart: grouped bars (stories per niche per local day, a dashed target
 * line per niche) on the left, the hit rate per niche on the right, the legend along the bottom
 * (scrolling when the niches do not fit one line). No animation: this is drawn once, on a server.
 */
export function statsChartOption(h: StatsHistory) {
  const many = h.niches.length > 8;
  const maxTarget = Math.max(0, ...h.niches.map((n) => n.target));
  const maxStories = Math.max(0, ...h.niches.flatMap((n) => n.stories));
  const maxRate = Math.max(0, ...h.niches.map((n) => (n.hitRate ?? 0) * 100));
  const rateMax = Math.max(10, Math.ceil(maxRate / 10) * 10);
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: CHART_FONT },
    title: titles(h),
    legend: {
      type: 'scroll' as const,
      bottom: 10,
      left: 20,
      right: 20,
      data: h.niches.map((n) => n.niche),
      textStyle: { fontSize: 12, width: 200, overflow: 'truncate' as const },
    },
    grid: [
      { left: 60, right: 360, top: 90, bottom: 80 },
      { left: 810, right: 70, top: 90, bottom: 80 },
    ],
    xAxis: [
      { type: 'category' as const, gridIndex: 0, data: h.days.map(dayLabel), axisLabel: { interval: 0 } },
      {
        type: 'value' as const,
        gridIndex: 1,
        min: 0,
        max: rateMax,
        // Three ticks (0, half, max): the panel is narrow, and ECharts' own pick can be 0, 30, 50.
        interval: rateMax / 2,
        axisLabel: { formatter: '{value} %' },
      },
    ],
    yAxis: [
      {
        type: 'value' as const,
        gridIndex: 0,
        min: 0,
        // Room above the highest target so its dashed line never sits on the frame.
        max: Math.max(5, Math.ceil((Math.max(maxTarget, maxStories) * 1.1) / 5) * 5),
        minInterval: 1,
        name: 'stories',
      },
      {
        type: 'category' as const,
        gridIndex: 1,
        inverse: true,
        data: h.niches.map((n) => n.niche),
        axisLabel: { interval: 0, width: 110, overflow: 'truncate' as const, fontSize: many ? 10 : 12 },
      },
    ],
    series: [...h.niches.map((n, i) => storySeries(n, i, many)), hitRateSeries(h.niches)],
  };
}
