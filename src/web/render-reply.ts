import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { statsChartSvg } from '../charts/stats-chart.js';
import type { Block, Button, Reply } from '../reply/reply.js';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** A page as Hono's c.html takes it (nested templates resolve to one string). */
export async function toHtml(h: Html | Promise<Html>): Promise<string> {
  return (await h) as string;
}

/** How a page turns a reply's table headers and buttons into links (absent: plain text, no buttons). */
export interface ReplyLinks {
  columnHref?(column: string): string | undefined;
  buttonHref?(button: Button): string | undefined;
  /** The page shows the usernames in its table already: leave the copyable list out. */
  hideUsernames?: boolean;
  /** Each table row gets a checkbox (value: its first cell) belonging to the form with this id. */
  selectForm?: string;
  /** A cell as a link (the master list's username opens the profile's detail view). */
  cellHref?(column: string, cell: string): string | undefined;
}

/** `niche add NAME` in backticks becomes <code>; everything is escaped by the template. */
function inlineText(text: string): Html[] {
  return text
    .split(/(`[^`]+`)/)
    .map((part) =>
      part.startsWith('`') && part.endsWith('`') && part.length > 2
        ? html`<code>${part.slice(1, -1)}</code>`
        : html`${part}`,
    );
}

function selectCells(links: ReplyLinks, row?: readonly string[]): Html | '' {
  if (!links.selectForm) return '';
  if (!row)
    return html`<th scope="col"><input type="checkbox" data-select-all aria-label="Select all on this page"></th>`;
  const value = row[0] ?? '';
  return html`<td><input type="checkbox" name="user" value="${value}" form="${links.selectForm}" aria-label="Select ${value}"></td>`;
}

function renderTable(b: Extract<Block, { type: 'table' }>, links: ReplyLinks): Html {
  const head = b.columns.map((col) => {
    const href = links.columnHref?.(col);
    return href ? html`<th scope="col"><a href="${href}">${col}</a></th>` : html`<th scope="col">${col}</th>`;
  });
  const cell = (text: string, i: number) => {
    const href = links.cellHref?.(b.columns[i] ?? '', text);
    return href ? html`<td><a href="${href}">${text}</a></td>` : html`<td>${text}</td>`;
  };
  const rows = b.rows.map((row) => html`<tr>${selectCells(links, row)}${row.map(cell)}</tr>`);
  return html`<div class="table-wrap"><table><thead><tr>${selectCells(links)}${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

/**
 * The stats chart as an <img> of its SVG in a data: URL: the CSP allows `img-src data:`, and an SVG
 * shown as an image runs no script and needs no inline style on the page (inline <svg> would: ECharts
 * writes style attributes, which `style-src 'self'` refuses).
 */
function renderChart(b: Extract<Block, { type: 'chart' }>): Html {
  const src = `data:image/svg+xml;base64,${Buffer.from(statsChartSvg(b.chart)).toString('base64')}`;
  return html`<figure class="chart"><img src="${src}" alt="${b.caption}"><figcaption>${b.caption}</figcaption></figure>`;
}

function renderBlock(b: Block, links: ReplyLinks): Html | undefined {
  switch (b.type) {
    case 'text':
      return html`<p class="msg tone-${b.tone ?? 'info'}">${inlineText(b.text)}</p>`;
    case 'usernames':
      if (links.hideUsernames) return undefined;
      // The list whole, to select or copy in one press (panel.js wires the button; without it, select).
      return html`<div class="usernames"><p class="usernames-head"><span>${b.title} (${b.usernames.length})</span> <button type="button" class="copy" data-copy>Copy all</button></p><textarea readonly rows="6" aria-label="${b.title}">${b.usernames.join('\n')}</textarea></div>`;
    case 'table':
      return renderTable(b, links);
    case 'chart':
      return renderChart(b);
    case 'file':
      return b.path
        ? html`<p class="msg">${b.caption ?? ''} (${b.fileName})</p>`
        : html`<figure class="file"><figcaption>${b.caption ?? b.fileName}</figcaption><pre>${b.content}</pre></figure>`;
  }
}

/** A neutral reply as page HTML: every string escaped, buttons as links where the page knows where they go. */
export function renderReply(r: Reply, links: ReplyLinks = {}): Html {
  const blocks = r.blocks.map((b) => renderBlock(b, links)).filter((b) => b !== undefined);
  const buttons = (r.buttons ?? []).flatMap((btn) => {
    const href = links.buttonHref?.(btn);
    return href ? [html`<a class="button" href="${href}">${btn.label}</a>`] : [];
  });
  return html`<section class="reply">${blocks}${buttons.length > 0 ? html`<nav class="pager">${buttons}</nav>` : ''}</section>`;
}
