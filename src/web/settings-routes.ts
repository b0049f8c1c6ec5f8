import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { Reply } from '../reply/reply.js';
import { profilePage, statsPage } from './detail-pages.js';
import { formBody } from './form-body.js';
import type { PanelDeps, PanelEnv } from './panel-types.js';
import { toHtml } from './render-reply.js';
import { runCommand } from './run-command.js';
import { type MasterQuery, masterQuerySchema, settingsPage } from './settings-page.js';

const short = z.string().max(200).default('');
const usersField = z
  .union([z.string(), z.array(z.string())])
  .default([])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.string().max(200)).max(1000));

const bulkSchema = masterQuerySchema.extend({
  to: short,
  action: z.enum(['move', 'delete']),
  user: usersField,
});
const addSchema = masterQuerySchema.extend({ niche: short, usernames: z.string().max(20_000).default('') });
const targetSchema = z.object({ name: short, count: z.string().max(12).default('') });
const rateSchema = z.object({
  setting: z.enum(['rate', 'threads', 'policy']),
  value: z.string().max(20).default(''),
});
// The proxy lines carry passwords: read here, handed to `proxy add`, never put back into a page.
const proxyAddSchema = z.object({ proxies: z.string().max(100_000).default('') });
const proxyRemoveSchema = z.object({ proxy: z.string().max(500).default('') });
// The cookies of an Instagram account: handed to `session add`, never put back into a page.
const sessionAddSchema = z.object({ cookie: z.string().max(10_000).default('') });
const sessionRemoveSchema = z.object({ id: z.string().max(20).default('') });
const deletedData = z.object({ deleted: z.array(z.string()) });

/** Which command each rate form runs, and the argument its value goes to. */
const RATE_COMMANDS = {
  rate: ['settings rate', 'perMinute'],
  threads: ['settings threads', 'threads'],
  policy: ['settings policy', 'policy'],
} as const;

type Ctx = Context<PanelEnv>;

function view(q: MasterQuery): MasterQuery {
  return { scope: q.scope, status: q.status, sort: q.sort, page: q.page };
}

/** After a delete: the deleted names, ready to be added back to a niche (`import`, the only way in). */
function addBackForm(csrf: string, deleted: readonly string[], q: MasterQuery): ReturnType<typeof html> {
  return html`<form method="post" action="/panel/settings/profiles/add" class="inline">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="usernames" value="${deleted.join(' ')}">
<label>Undo: add them back to <input type="text" name="niche" required value="${q.scope && !['all', 'unassigned'].includes(q.scope) ? q.scope : ''}" placeholder="niche"></label>
<button type="submit">Restore</button>
</form>`;
}

export function addSettingsRoutes(app: Hono<PanelEnv>, deps: PanelDeps): void {
  const who = (c: Ctx) => ({ base: deps, userId: c.get('session').userId, csrf: c.get('csrf') });
  const run = (c: Ctx, words: string, values: Record<string, unknown>) =>
    runCommand(deps, c.get('session').userId, words, values);
  const show = async (c: Ctx, flash: Reply, query: MasterQuery = {}) =>
    c.html(toHtml(settingsPage({ ...who(c), query, flash })));

  app.get('/panel/settings', async (c) => {
    const query = masterQuerySchema.safeParse(c.req.query());
    return c.html(toHtml(settingsPage({ ...who(c), query: query.success ? query.data : {} })));
  });
  app.get('/panel/settings/profile', async (c) => {
    const username = z.string().trim().min(1).max(200).safeParse(c.req.query('username'));
    if (!username.success) return c.redirect('/panel/settings', 303);
    return c.html(toHtml(profilePage({ ...who(c), username: username.data })));
  });
  app.get('/panel/settings/stats', async (c) => c.html(toHtml(statsPage(who(c)))));
  app.post('/panel/settings/profiles/bulk', async (c) => {
    const body = await formBody(c.req, bulkSchema);
    const flash =
      body.action === 'move'
        ? await run(c, 'profiles move', { name: body.to, usernames: body.user })
        : await run(c, 'profiles delete', { usernames: body.user });
    const deleted = deletedData.safeParse(flash.data);
    const after =
      body.action === 'delete' && deleted.success && deleted.data.deleted.length > 0
        ? addBackForm(c.get('csrf'), deleted.data.deleted, body)
        : undefined;
    return c.html(toHtml(settingsPage({ ...who(c), query: view(body), flash, ...(after ? { after } : {}) })));
  });
  app.post('/panel/settings/profiles/add', async (c) => {
    const body = await formBody(c.req, addSchema);
    const usernames = body.usernames.split(/[\s,;]+/).filter(Boolean);
    return show(c, await run(c, 'import', { niche: body.niche, usernames }), view(body));
  });
  app.post('/panel/settings/target', async (c) => {
    const body = await formBody(c.req, targetSchema);
    return show(c, await run(c, 'target set', { name: body.name, count: body.count }));
  });
  app.post('/panel/settings/rate', async (c) => {
    const body = await formBody(c.req, rateSchema);
    const [words, arg] = RATE_COMMANDS[body.setting];
    return show(c, await run(c, words, { [arg]: body.value }));
  });
  app.post('/panel/settings/proxy/add', async (c) => {
    const body = await formBody(c.req, proxyAddSchema);
    return show(c, await run(c, 'proxy add', { proxies: body.proxies }));
  });
  app.post('/panel/settings/proxy/remove', async (c) => {
    const body = await formBody(c.req, proxyRemoveSchema);
    return show(c, await run(c, 'proxy remove', { proxy: body.proxy }));
  });
  app.post('/panel/settings/session/add', async (c) => {
    const body = await formBody(c.req, sessionAddSchema);
    return show(c, await run(c, 'session add', { cookie: body.cookie }));
  });
  app.post('/panel/settings/session/remove', async (c) => {
    const body = await formBody(c.req, sessionRemoveSchema);
    return show(c, await run(c, 'session remove', { id: body.id }));
  });
  app.post('/panel/settings/proxy/test', async (c) => show(c, await run(c, 'proxy test', {})));
}
