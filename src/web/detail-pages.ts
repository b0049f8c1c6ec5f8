import { html } from 'hono/html';
import { page } from './layout.js';
import { type Html, renderReply } from './render-reply.js';
import { runCommand } from './run-command.js';
import { profileHref, type SettingsRequest } from './settings-page.js';

/** Views opened from the Settings tab; `detail` shows Telegram's back button in the Mini App. */
type DetailRequest = Omit<SettingsRequest, 'query'>;

/** One profile (`profiles show`): a detail view, with Telegram's back button in the Mini App. */
export async function profilePage(r: DetailRequest & { username: string }): Promise<Html> {
  const shown = await runCommand(r.base, r.userId, 'profiles show', { username: r.username });
  return page({
    title: r.username,
    csrf: r.csrf,
    tab: 'settings',
    detail: true,
    url: profileHref(r.username),
    body: html`<p><a href="/panel/settings" data-back>← Back</a></p><section class="profile"><h2>${r.username}</h2>${renderReply(shown)}</section>`,
  });
}

/** `stats` with its chart (today per niche, the last 24 h, proxies; the 14-day chart as an image). */
export async function statsPage(r: DetailRequest): Promise<Html> {
  const stats = await runCommand(r.base, r.userId, 'stats', {});
  return page({
    title: 'Stats',
    csrf: r.csrf,
    tab: 'settings',
    detail: true,
    url: '/panel/settings/stats',
    body: html`<p><a href="/panel/settings" data-back>← Back</a></p><section class="stats"><h2>Stats</h2>${renderReply(stats)}</section>`,
  });
}
