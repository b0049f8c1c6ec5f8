import { html } from 'hono/html';
import { z } from 'zod';
import type { CommandBase } from '../bot/shared/command-context.js';
import type { Reply } from '../reply/reply.js';
import { page } from './layout.js';
import { type Html, renderReply } from './render-reply.js';
import { runCommand } from './run-command.js';

/** The results filters in the address bar; the `results` command checks the values. */
export const resultsQuerySchema = z.object({
  niche: z.string().trim().max(200).optional(),
  hours: z.string().trim().max(4).optional(),
});
export type ResultsQuery = z.infer<typeof resultsQuerySchema>;

const historyData = z.object({
  batches: z.array(
    z.object({
      id: z.number(),
      niche: z.string(),
      status: z.string(),
      requested: z.number(),
      checked: z.number(),
      stories: z.number(),
    }),
  ),
});
const nicheNames = z.object({ niches: z.array(z.object({ name: z.string() })) });

export interface BatchesRequest {
  base: CommandBase;
  userId: string;
  csrf: string;
  query: ResultsQuery;
  flash?: Reply;
}

const ACTIVE = new Set(['pending', 'in_progress']);

function progressRow(b: z.infer<typeof historyData>['batches'][number]): Html {
  const status = b.status.replace('_', ' ');
  return html`<tr data-batch="${b.id}" data-status="${b.status}"><td>#${b.id}</td><td>${b.niche}</td><td class="status">${status}</td><td><progress max="${b.requested}" value="${b.checked}">${b.checked}/${b.requested}</progress> <span class="count">${b.checked}/${b.requested}</span></td><td>${b.stories}</td></tr>`;
}

/**
 * The live part of the tab: `batch status` (what runs, and why it may wait) and the last batches of
 * `batch history` with a bar each. The page's script reloads this fragment while a batch is active.
 */
export async function batchProgress(r: Omit<BatchesRequest, 'query' | 'csrf'>): Promise<Html> {
  const status = await runCommand(r.base, r.userId, 'batch status', {});
  const history = await runCommand(r.base, r.userId, 'batch history', {});
  const rows = historyData.safeParse(history.data);
  const batches = rows.success ? rows.data.batches : [];
  const active = batches.some((b) => ACTIVE.has(b.status));
  const table =
    batches.length > 0
      ? html`<div class="table-wrap"><table><thead><tr><th>batch</th><th>niche</th><th>status</th><th>progress</th><th>stories</th></tr></thead><tbody>${batches.map(progressRow)}</tbody></table></div>`
      : '';
  return html`<div data-active="${active ? '1' : '0'}">${renderReply(status)}${table}</div>`;
}

function option(value: string, current: string | undefined, label = value): Html {
  return html`<option value="${value}"${value.toLowerCase() === current?.toLowerCase() ? html` selected` : ''}>${label}</option>`;
}

function runForm(csrf: string, niches: string[]): Html {
  return html`<form method="post" action="/panel/batches/run" class="inline">
<input type="hidden" name="_csrf" value="${csrf}">
<label>Niche <select name="niche" required>${niches.map((n) => option(n, undefined))}</select></label>
<label>Profiles <input type="number" name="count" min="1" max="1000000" value="100" required></label>
<button type="submit">Run batch</button>
</form>`;
}

function resultsForm(q: ResultsQuery, niches: string[]): Html {
  const hours = Array.from({ length: 24 }, (_, i) => String(24 - i));
  return html`<form method="get" action="/panel/batches" class="inline" data-autosubmit>
<label>Niche <select name="niche">${option('all', q.niche ?? 'all', 'all niches')}${niches.map((n) => option(n, q.niche))}</select></label>
<label>Last <select name="hours">${hours.map((h) => option(h, q.hours ?? '24', `${h} h`))}</select></label>
<button type="submit">Show</button>
</form>`;
}

function resultsHref(q: ResultsQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(q)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `/panel/batches?${text}` : '/panel/batches';
}

/** The Batch + Results tab: run a batch, watch it progress, read and copy the last hours' stories. */
export async function batchesPage(r: BatchesRequest): Promise<Html> {
  const list = nicheNames.safeParse((await runCommand(r.base, r.userId, 'niche list', {})).data);
  const niches = list.success ? list.data.niches.map((n) => n.name) : [];
  const values = {
    ...(r.query.niche && r.query.niche !== 'all' ? { name: r.query.niche } : {}),
    ...(r.query.hours ? { hours: r.query.hours } : {}),
  };
  const results = await runCommand(r.base, r.userId, 'results', values);
  const flash = r.flash ? html`<div class="flash" role="status">${renderReply(r.flash)}</div>` : '';
  return page({
    title: 'Batch + Results',
    csrf: r.csrf,
    tab: 'batches',
    url: resultsHref(r.query),
    body: html`${flash}<section class="batches"><h2>Batches</h2>
${niches.length > 0 ? runForm(r.csrf, niches) : html`<p class="msg">Create a niche in Niche Feed first.</p>`}
<div id="progress" data-poll="/panel/batches/progress">${batchProgress(r)}</div>
</section>
<section class="results"><h2>Results</h2>${resultsForm(r.query, niches)}${renderReply(results)}</section>`,
  });
}
