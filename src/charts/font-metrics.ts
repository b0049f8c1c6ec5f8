import { readFileSync } from 'node:fs';

/**
 * Text widths read from the font the PNG is drawn with. Without a canvas, ECharts guesses widths from a
 * table made for Arial-like fonts; DejaVu Sans is wider, so legend items ran into each other and axis
 * labels were cut at the wrong place. Reading each glyph's advance width from the TTF (`cmap` format 4
 * and `hmtx`) makes ECharts lay text out for the glyphs resvg will actually draw.
 */
export interface FontMetrics {
  /** Advance width of `text` at 1 px font size. */
  widthAt1px(text: string): number;
}

function table(font: Buffer, tag: string): number {
  const count = font.readUInt16BE(4);
  for (let i = 0; i < count; i++) {
    const rec = 12 + 16 * i;
    if (font.toString('latin1', rec, rec + 4) === tag) return font.readUInt32BE(rec + 8);
  }
  throw new Error(`font has no ${tag} table`);
}

/** The Unicode BMP subtable (platform 3 encoding 1, or platform 0), format 4. */
function cmapFormat4(font: Buffer): number {
  const cmap = table(font, 'cmap');
  const n = font.readUInt16BE(cmap + 2);
  for (let i = 0; i < n; i++) {
    const rec = cmap + 4 + 8 * i;
    const platform = font.readUInt16BE(rec);
    const encoding = font.readUInt16BE(rec + 2);
    const sub = cmap + font.readUInt32BE(rec + 4);
    if ((platform === 3 && encoding === 1) || platform === 0) {
      if (font.readUInt16BE(sub) === 4) return sub;
    }
  }
  throw new Error('font has no format 4 cmap');
}

function glyphOf(font: Buffer, sub: number, code: number): number {
  if (code > 0xffff) return 0;
  const segs = font.readUInt16BE(sub + 6) / 2;
  const ends = sub + 14;
  const starts = ends + 2 * segs + 2;
  const deltas = starts + 2 * segs;
  const ranges = deltas + 2 * segs;
  for (let i = 0; i < segs; i++) {
    if (font.readUInt16BE(ends + 2 * i) < code) continue;
    const start = font.readUInt16BE(starts + 2 * i);
    if (start > code) return 0;
    const delta = font.readInt16BE(deltas + 2 * i);
    const rangeOffset = font.readUInt16BE(ranges + 2 * i);
    if (rangeOffset === 0) return (code + delta) & 0xffff;
    const glyph = font.readUInt16BE(ranges + 2 * i + rangeOffset + 2 * (code - start));
    return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
  }
  return 0;
}

export function loadFontMetrics(path: string): FontMetrics {
  const font = readFileSync(path);
  const unitsPerEm = font.readUInt16BE(table(font, 'head') + 18);
  const hMetrics = font.readUInt16BE(table(font, 'hhea') + 34);
  const hmtx = table(font, 'hmtx');
  const sub = cmapFormat4(font);
  const cache = new Map<number, number>();
  const advance = (code: number): number => {
    let w = cache.get(code);
    if (w === undefined) {
      const glyph = Math.min(glyphOf(font, sub, code), hMetrics - 1);
      w = font.readUInt16BE(hmtx + 4 * glyph) / unitsPerEm;
      cache.set(code, w);
    }
    return w;
  };
  return {
    widthAt1px(text) {
      let width = 0;
      for (const ch of text) width += advance(ch.codePointAt(0) ?? 0);
      return width;
    },
  };
}

/** A CSS font shorthand as zrender writes it ("bolder 18px sans-serif") to size and weight. */
export function parseFont(font: string | undefined): { size: number; bold: boolean } {
  const size = /(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1];
  return { size: size ? Number(size) : 12, bold: /bold/.test(font ?? '') };
}
