import { html } from 'hono/html';
import { z } from 'zod';
import type { CommandBase } from '../bot/shared/command-context.js';
import type { Reply } from '../reply/reply.js';
import { page } from './layout.js';
import { type Html, renderReply } from './render-reply.js';
import { runCommand } from './run-command.js';

/** The tab's address bar: which niche, and the `profiles list` options. Values are checked by the command. */
export const feedQuerySchema = z.object({
  niche: z.string().trim().min(1).max(200).optional(),
  status: z.string().trim().max(20).optional(),
  sort: z.string().trim().max(20).optional(),
  page: z.string().trim().max(10).optional(),
});
export type FeedQuery = z.infer<typeof feedQuerySchema>;

/** What the page reads from `niche list` and `profiles list` replies' data. */
const nicheListData = z.object({
  niches: z.array(z.object({ name: z.string(), active: z.number(), deleted: z.number() })),
  unassigned: z.object({ active: z.number(), deleted: z.number() }),
});
const profilePageData = z.object({ scope: z.string(), status: z.string(), sort: z.string() });

/** `profiles list` table columns the command can sort by, and the sort's name. */
const SORT_OF_COLUMN: Readonly<Record<string, string>> = {
  username: 'username',
  'last checked': 'checked',
  'last detected': 'detected',
  detections: 'count',
};

export function feedHref(q: FeedQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(q))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `/panel/niches?${text}` : '/panel/niches';
}

export interface FeedRequest {
  base: CommandBase;
  userId: string;
  csrf: string;
  query: FeedQuery;
  /** The reply of the action just taken (a niche created, an import's report). */
  flash?: Reply;
}

/** Up/down buttons (`niche move`): plain submit buttons, so the keyboard and screen readers reach them. */
function orderButtons(name: string, index: number, count: number, csrf: string, selected?: string): Html {
  const button = (position: number, label: string, arrow: string) =>
    html`<button type="submit" name="position" value="${position}" aria-label="Move ${name} ${label}" title="Move ${label}">${arrow}</button>`;
  return html`<form method="post" action="/panel/niches/move" class="order">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="name" value="${name}">${selected ? html`<input type="hidden" name="niche" value="${selected}">` : ''}
${index > 0 ? button(index, 'up', '↑') : ''}${index < count - 1 ? button(index + 2, 'down', '↓') : ''}
</form>`;
}

function nicheLinks(
  list: z.infer<typeof nicheListData> | undefined,
  selected: string | undefined,
  csrf: string,
): Html {
  const niches = list?.niches ?? [];
  const entries = niches.map((n) => ({ name: n.name, count: n.active, ordered: true }));
  if (list && list.unassigned.active + list.unassigned.deleted > 0)
    entries.push({ name: 'unassigned', count: list.unassigned.active, ordered: false });
  const items = entries.map((n, i) => {
    const current = n.name.toLowerCase() === selected?.toLowerCase();
    const order =
      n.ordered && niches.length > 1 ? orderButtons(n.name, i, niches.length, csrf, selected) : '';
    return html`<li><a href="${feedHref({ niche: n.name })}" class="${current ? 'current' : ''}"${current ? html` aria-current="true"` : ''}><span>${n.name}</span><span class="count">${n.count}</span></a>${order}</li>`;
  });
  return items.length > 0 ? html`<ul>${items}</ul>` : html`<p class="msg">No niches yet.</p>`;
}

function nicheColumn(r: FeedRequest, list: Reply, selected: string | undefined): Html {
  const parsed = nicheListData.safeParse(list.data);
  return html`<aside class="niches">
<h2>Niches</h2>
${parsed.success ? nicheLinks(parsed.data, selected, r.csrf) : renderReply(list)}
<form method="post" action="/panel/niches/create" class="stack">
<input type="hidden" name="_csrf" value="${r.csrf}">
<label for="new-niche">New niche</label>
<input type="text" id="new-niche" name="name" maxlength="50" required placeholder="e.g. fitness">
<button type="submit">Create niche</button>
</form>
</aside>`;
}

function option(value: string, current: string | undefined, label = value): Html {
  return html`<option value="${value}"${value === current ? html` selected` : ''}>${label}</option>`;
}

function filters(niche: string, shown: { status?: string; sort?: string }): Html {
  return html`<form method="get" action="/panel/niches" class="inline" data-autosubmit>
<input type="hidden" name="niche" value="${niche}">
<label>Status <select name="status">${['active', 'deleted', 'all'].map((s) => option(s, shown.status))}</select></label>
<label>Sort <select name="sort">${Object.values(SORT_OF_COLUMN).map((s) => option(s, shown.sort))}</select></label>
<button type="submit">Show</button>
</form>`;
}

function importForm(niche: string, csrf: string): Html {
  return html`<form method="post" action="/panel/niches/import" enctype="multipart/form-data" class="inline">
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="niche" value="${niche}">
<label>Import usernames (.txt) <input type="file" name="file" accept=".txt,.csv,text/plain,text/csv" required></label>
<button type="submit">Import</button>
</form>`;
}

/** Move or delete the ticked rows: the checkboxes in the table belong to this form (form="bulk"). */
function bulkForm(niche: string, csrf: string, targets: readonly string[], view: FeedQuery): Html {
  const choices = [...targets.filter((t) => t.toLowerCase() !== niche.toLowerCase()), 'unassigned'];
  return html`<form id="bulk" method="post" action="/panel/profiles/bulk" class="inline bulk">
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="niche" value="${niche}">
${(['status', 'sort', 'page'] as const).map((k) => (view[k] ? html`<input type="hidden" name="${k}" value="${view[k]}">` : ''))}
<span>Selected:</span>
<label>move to <select name="to">${choices.map((t) => option(t, undefined))}</select></label>
<button type="submit" name="action" value="move">Move</button>
<button type="submit" name="action" value="delete" class="danger" data-confirm="Delete the selected profiles from the master list?">Delete</button>
</form>`;
}

async function profilesColumn(r: FeedRequest, niche: string, targets: readonly string[]): Promise<Html> {
  const { status, sort, page: pageNo } = r.query;
  const values = {
    name: niche,
    ...(status ? { status } : {}),
    ...(sort ? { sort } : {}),
    ...(pageNo ? { page: pageNo } : {}),
  };
  const listing = await runCommand(r.base, r.userId, 'profiles list', values);
  const shown = profilePageData.safeParse(listing.data);
  const current = shown.success ? shown.data : { status, sort };
  const links = {
    hideUsernames: true,
    selectForm: 'bulk',
    columnHref: (col: string) => {
      const by = SORT_OF_COLUMN[col];
      return by ? feedHref({ niche, status: current.status, sort: by }) : undefined;
    },
    buttonHref: (btn: { command: string; args: Record<string, string | number> }) =>
      btn.command === 'profiles list'
        ? feedHref({ niche, status: current.status, sort: current.sort, page: String(btn.args.page ?? '') })
        : undefined,
  };
  return html`<section class="profiles">
<h2>${niche}</h2>
${importForm(niche, r.csrf)}
${filters(niche, current)}
${bulkForm(niche, r.csrf, targets, { status: current.status, sort: current.sort, page: pageNo })}
${renderReply(listing, links)}
</section>`;
}

/** The Niche Feed tab: niches on the left, the chosen niche's profiles on the right. */
export async function nicheFeedPage(r: FeedRequest): Promise<Html> {
  const list = await runCommand(r.base, r.userId, 'niche list', {});
  const names = nicheListData.safeParse(list.data);
  const selected = r.query.niche ?? (names.success ? names.data.niches[0]?.name : undefined);
  const targets = names.success ? names.data.niches.map((n) => n.name) : [];
  const right = selected
    ? await profilesColumn(r, selected, targets)
    : html`<section class="profiles"><p class="msg">Create a niche on the left, then import a .txt of usernames into it.</p></section>`;
  const flash = r.flash ? html`<div class="flash" role="status">${renderReply(r.flash)}</div>` : '';
  return page({
    title: 'Niche Feed',
    csrf: r.csrf,
    tab: 'niches',
    url: feedHref({ ...r.query, niche: selected }),
    body: html`${flash}<div class="feed">${nicheColumn(r, list, selected)}${right}</div>`,
  });
}
