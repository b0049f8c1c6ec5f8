import { html } from 'hono/html';
import type { Html } from './render-reply.js';

export interface PageFrame {
  title: string;
  csrf: string;
  /** Which tab is open (the nav marks it). */
  tab: (typeof TABS)[number]['id'];
  body: Html;
  /** A detail view: in the Mini App, Telegram's back button is shown and goes back (panel.js). */
  detail?: boolean;
  /**
   * The page's GET address. A page answering a POST puts it in the address bar (panel.js,
   * history.replaceState), so back and reload land on a page, not on a form to send again.
   */
  url?: string;
}

const TABS = [
  { id: 'niches', label: 'Niche Feed', href: '/panel/niches' },
  { id: 'batches', label: 'Batch + Results', href: '/panel/batches' },
  { id: 'settings', label: 'Settings', href: '/panel/settings' },
] as const;

/** Every signed-in page: our stylesheet and script only (the CSP allows nothing inline). */
export function page(frame: PageFrame): Html {
  const tabs = TABS.map(
    (t) =>
      html`<a href="${t.href}" class="tab${t.id === frame.tab ? ' current' : ''}"${t.id === frame.tab ? html` aria-current="page"` : ''}>${t.label}</a>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · storywatch</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/panel/assets/panel.css">
<script src="/panel/assets/panel.js" defer></script>
</head>
<body${frame.detail ? html` data-detail` : ''}${frame.url ? html` data-url="${frame.url}"` : ''}>
<header class="top">
<strong class="brand">storywatch</strong>
<nav class="tabs">${tabs}</nav>
<form method="post" action="/panel/logout" class="logout"><input type="hidden" name="_csrf" value="${frame.csrf}"><button type="submit">Log out</button></form>
</header>
<main>${frame.body}</main>
</body>
</html>`;
}

/** The Mini App's entry: Telegram's script hands us initData, ours posts it; no data is on this page. */
export function miniAppEntry(): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>storywatch</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/panel/assets/panel.css">
<script src="https://telegram.org/js/telegram-web-app.js"></script>
<script src="/panel/assets/tg-login.js" defer></script>
</head>
<body><main><p id="status" class="msg">Signing in…</p></main></body>
</html>`;
}
