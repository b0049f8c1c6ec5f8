import { html } from 'hono/html';
import { z } from 'zod';
import type { CommandBase } from '../bot/shared/command-context.js';
import type { Reply } from '../reply/reply.js';
import { page } from './layout.js';
import { type Html, renderReply } from './render-reply.js';
import { runCommand } from './run-command.js';

/** The master list's view in the address bar: `profiles list`'s scope, status, sort and page. */
export const masterQuerySchema = z.object({
  scope: z.string().trim().min(1).max(200).optional(),
  status: z.string().trim().max(20).optional(),
  sort: z.string().trim().max(20).optional(),
  page: z.string().trim().max(10).optional(),
});
export type MasterQuery = z.infer<typeof masterQuerySchema>;

const nicheNames = z.object({ niches: z.array(z.object({ name: z.string() })) });
const shownView = z.object({ scope: z.string(), status: z.string(), sort: z.string() });
const settingsData = z.object({
  settings: z.object({ profilesPerMinute: z.number(), threads: z.number(), selectionPolicy: z.string() }),
});

const SORT_OF_COLUMN: Readonly<Record<string, string>> = {
  username: 'username',
  'last checked': 'checked',
  'last detected': 'detected',
  detections: 'count',
};

export function settingsHref(q: MasterQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(q)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `/panel/settings?${text}` : '/panel/settings';
}

export function profileHref(username: string): string {
  return `/panel/settings/profile?${new URLSearchParams({ username }).toString()}`;
}

export interface SettingsRequest {
  base: CommandBase;
  userId: string;
  csrf: string;
  query: MasterQuery;
  flash?: Reply;
  /** Shown under the flash: e.g. the form that adds just-deleted profiles back. */
  after?: Html;
}

function option(value: string, current: string | undefined, label = value): Html {
  return html`<option value="${value}"${value.toLowerCase() === current?.toLowerCase() ? html` selected` : ''}>${label}</option>`;
}

function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

function viewFields(q: MasterQuery): Html[] {
  return (['scope', 'status', 'sort', 'page'] as const).map((k) =>
    q[k] ? html`<input type="hidden" name="${k}" value="${q[k]}">` : html``,
  );
}

function masterFilters(q: MasterQuery, niches: readonly string[]): Html {
  const scopes = ['all', 'unassigned', ...niches];
  return html`<form method="get" action="/panel/settings" class="inline" data-autosubmit>
<label>Profiles of <select name="scope">${scopes.map((s) => option(s, q.scope))}</select></label>
<label>Status <select name="status">${['active', 'deleted', 'all'].map((s) => option(s, q.status))}</select></label>
<label>Sort <select name="sort">${Object.values(SORT_OF_COLUMN).map((s) => option(s, q.sort))}</select></label>
<button type="submit">Show</button>
</form>`;
}

/** Usernames typed into a niche: the `import` command with typed names (it needs a niche). */
function addForm(csrf: string, niches: readonly string[], q: MasterQuery): Html {
  if (niches.length === 0) return html`<p class="msg">Create a niche in Niche Feed to add profiles.</p>`;
  return html`<form method="post" action="/panel/settings/profiles/add" class="inline">
${csrfField(csrf)}${viewFields(q)}
<label>Add usernames <input type="text" name="usernames" required placeholder="name1 name2, @name3" autocomplete="off"></label>
<label>to <select name="niche">${niches.map((n) => option(n, q.scope))}</select></label>
<button type="submit">Add</button>
</form>`;
}

function bulkForm(csrf: string, niches: readonly string[], q: MasterQuery): Html {
  return html`<form id="master" method="post" action="/panel/settings/profiles/bulk" class="inline bulk">
${csrfField(csrf)}${viewFields(q)}
<span>Selected:</span>
<label>move to <select name="to">${[...niches, 'unassigned'].map((t) => option(t, undefined))}</select></label>
<button type="submit" name="action" value="move">Move</button>
<button type="submit" name="action" value="delete" class="danger" data-confirm="Delete the selected profiles from the master list?">Delete</button>
</form>`;
}

async function masterList(r: SettingsRequest, niches: readonly string[]): Promise<Html> {
  const q = r.query;
  const values = {
    name: q.scope ?? 'all',
    ...(q.status ? { status: q.status } : {}),
    ...(q.sort ? { sort: q.sort } : {}),
    ...(q.page ? { page: q.page } : {}),
  };
  const listing = await runCommand(r.base, r.userId, 'profiles list', values);
  const shown = shownView.safeParse(listing.data);
  const view: MasterQuery = shown.success ? { ...q, ...shown.data } : q;
  const links = {
    hideUsernames: true,
    selectForm: 'master',
    cellHref: (col: string, cell: string) => (col === 'username' ? profileHref(cell) : undefined),
    columnHref: (col: string) => {
      const by = SORT_OF_COLUMN[col];
      return by ? settingsHref({ scope: view.scope, status: view.status, sort: by }) : undefined;
    },
    buttonHref: (btn: { command: string; args: Record<string, string | number> }) =>
      btn.command === 'profiles list'
        ? settingsHref({
            scope: view.scope,
            status: view.status,
            sort: view.sort,
            page: String(btn.args.page ?? ''),
          })
        : undefined,
  };
  return html`<section class="master" id="master-list"><h2>Master list</h2>
${masterFilters(view, niches)}${addForm(r.csrf, niches, view)}${bulkForm(r.csrf, niches, { ...view, page: q.page })}
${renderReply(listing, links)}</section>`;
}

async function targets(r: SettingsRequest, niches: readonly string[]): Promise<Html> {
  const list = await runCommand(r.base, r.userId, 'target list', {});
  const form =
    niches.length === 0
      ? ''
      : html`<form method="post" action="/panel/settings/target" class="inline">
${csrfField(r.csrf)}
<label>Niche <select name="name">${niches.map((n) => option(n, undefined))}</select></label>
<label>Stories a day <input type="number" name="count" min="0" required placeholder="0 = off"></label>
<button type="submit">Set target</button>
</form>`;
  return html`<section class="targets" id="targets"><h2>Story targets</h2>${renderReply(list)}${form}</section>`;
}

async function rates(r: SettingsRequest): Promise<Html> {
  const shown = await runCommand(r.base, r.userId, 'settings show', {});
  const parsed = settingsData.safeParse(shown.data);
  const s = parsed.success ? parsed.data.settings : undefined;
  const one = (setting: string, label: string, field: Html) =>
    html`<form method="post" action="/panel/settings/rate" class="inline">${csrfField(r.csrf)}<input type="hidden" name="setting" value="${setting}"><label>${label} ${field}</label><button type="submit">Save</button></form>`;
  return html`<section class="rates" id="rates"><h2>Rate controls</h2>${renderReply(shown)}
${one('rate', 'Profiles per minute', html`<input type="number" name="value" required value="${s?.profilesPerMinute ?? ''}">`)}
${one('threads', 'Threads', html`<input type="number" name="value" required value="${s?.threads ?? ''}">`)}
${one('policy', 'Selection policy', html`<select name="value">${['yield', 'oldest'].map((p) => option(p, s?.selectionPolicy))}</select>`)}
</section>`;
}

/** Proxies: the list masks passwords (as in chat); the add field is never filled back in. */
async function proxies(r: SettingsRequest): Promise<Html> {
  const list = await runCommand(r.base, r.userId, 'proxy list', {});
  return html`<section class="proxies" id="proxies"><h2>Proxies</h2>${renderReply(list)}
<form method="post" action="/panel/settings/proxy/add" class="stack">
${csrfField(r.csrf)}
<label for="proxy-lines">Add proxies, one a line: ip:port:user:pass or host:port</label>
<textarea id="proxy-lines" name="proxies" rows="3" required autocomplete="off" spellcheck="false"></textarea>
<button type="submit">Add proxies</button>
</form>
<form method="post" action="/panel/settings/proxy/remove" class="inline">
${csrfField(r.csrf)}
<label>Remove proxy (id or host:port) <input type="text" name="proxy" required autocomplete="off"></label>
<button type="submit" class="danger">Remove</button>
</form>
<form method="post" action="/panel/settings/proxy/test" class="inline">${csrfField(r.csrf)}<button type="submit">Test all proxies</button></form>
</section>`;
}

/** Instagram sessions: `session list` masks the cookies; the add field is never filled back in. */
async function sessions(r: SettingsRequest): Promise<Html> {
  const list = await runCommand(r.base, r.userId, 'session list', {});
  return html`<section class="sessions" id="sessions"><h2>Instagram sessions</h2>${renderReply(list)}
<form method="post" action="/panel/settings/session/add" class="stack">
${csrfField(r.csrf)}
<label for="session-cookies">Add a session: sessionid=...; csrftoken=...; ds_user_id=... (optionally ua: Mozilla/5.0 ...)</label>
<textarea id="session-cookies" name="cookie" rows="2" required autocomplete="off" spellcheck="false"></textarea>
<button type="submit">Add session</button>
</form>
<form method="post" action="/panel/settings/session/remove" class="inline">
${csrfField(r.csrf)}
<label>Remove session (id) <input type="text" name="id" required autocomplete="off" inputmode="numeric"></label>
<button type="submit" class="danger">Remove</button>
</form>
</section>`;
}

/** The Settings tab: the master list (CRUD), story targets, rate controls, proxies and sessions. */
export async function settingsPage(r: SettingsRequest): Promise<Html> {
  const list = nicheNames.safeParse((await runCommand(r.base, r.userId, 'niche list', {})).data);
  const niches = list.success ? list.data.niches.map((n) => n.name) : [];
  const flash = r.flash
    ? html`<div class="flash" role="status">${renderReply(r.flash)}${r.after ?? ''}</div>`
    : '';
  return page({
    title: 'Settings',
    csrf: r.csrf,
    tab: 'settings',
    url: settingsHref(r.query),
    body: html`${flash}<nav class="jump"><a href="#master-list">Master list</a> <a href="#targets">Targets</a> <a href="#rates">Rates</a> <a href="#proxies">Proxies</a> <a href="#sessions">Sessions</a> <a href="/panel/settings/stats">Stats</a></nav>
${masterList(r, niches)}${targets(r, niches)}${rates(r)}${proxies(r)}${sessions(r)}`,
  });
}
