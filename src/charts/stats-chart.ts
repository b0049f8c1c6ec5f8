import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { BarChart } from 'echarts/charts';
import {
  GraphicComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { StatsHistory } from '../core/stats-history.js';
import { loadFontMetrics, parseFont } from './font-metrics.js';
import { CHART_FONT, CHART_HEIGHT, CHART_WIDTH, statsChartOption } from './stats-option.js';

export { CHART_HEIGHT, CHART_WIDTH } from './stats-option.js';

echarts.use([
  BarChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  GraphicComponent,
  SVGRenderer,
]);

const require = createRequire(import.meta.url);
/** Bundled with the npm package, not the system's: the alpine image has no fonts at all. */
const REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');
const FONT_FILES = [REGULAR, BOLD];

// ECharts lays out text (legend, truncated labels) with the widths of the font resvg draws.
const metrics = { regular: loadFontMetrics(REGULAR), bold: loadFontMetrics(BOLD) };
echarts.setPlatformAPI({
  measureText(text: string, font?: string) {
    const { size, bold } = parseFont(font);
    return { width: (bold ? metrics.bold : metrics.regular).widthAt1px(text ?? '') * size };
  },
});

/** A chart with no niches yet: the frame and a line saying so, rather than empty axes. */
function emptyOption(h: StatsHistory) {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: CHART_FONT },
    title: { text: 'Stories per niche per day', subtext: `(${h.timeZone})`, left: 20, top: 10 },
    graphic: {
      type: 'text' as const,
      left: 'center',
      top: 'middle',
      style: { text: 'No niches yet: stories show here once a niche has some.', fontSize: 18, fill: '#555' },
    },
  };
}

/** The stats chart as an SVG document (server-side ECharts, no DOM). Same input, same output. */
export function statsChartSvg(h: StatsHistory): string {
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
  });
  try {
    chart.setOption(h.niches.length === 0 ? emptyOption(h) : statsChartOption(h));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The stats chart as a PNG of CHART_WIDTH × CHART_HEIGHT, text drawn with the bundled DejaVu Sans. */
export function chartPng(h: StatsHistory): Buffer {
  const resvg = new Resvg(statsChartSvg(h), {
    fitTo: { mode: 'original' },
    background: '#ffffff',
    font: {
      fontFiles: FONT_FILES,
      loadSystemFonts: false,
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
  });
  return resvg.render().asPng();
}
