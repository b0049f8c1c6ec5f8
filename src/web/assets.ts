/**
 * The panel's only stylesheet and scripts, served from our origin (the CSP forbids inline ones). Small
 * enough to live here; no build step.
 */
export const PANEL_CSS = `
:root { --bg: #ffffff; --text: #1d1d1f; --hint: #6b6b70; --link: #2463eb; --button: #2463eb;
  --button-text: #ffffff; --secondary-bg: #f2f3f5; --error: #b3261e; --success: #1b7f3b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--text); }
a { color: var(--link); }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem; background: var(--secondary-bg); }
.tabs { display: flex; gap: .5rem; flex: 1; }
.logout { margin: 0 0 0 auto; }
.tab { padding: .3rem .7rem; border-radius: .4rem; text-decoration: none; }
.tab.current { background: var(--button); color: var(--button-text); }
main { padding: 1rem; }
.feed { display: grid; grid-template-columns: minmax(12rem, 18rem) 1fr; gap: 1rem; align-items: start; }
/* min-width 0: a wide table scrolls inside its column instead of widening the page. */
.feed > * { min-width: 0; }
@media (max-width: 700px) {
  .feed { grid-template-columns: minmax(0, 1fr); } main { padding: .6rem; }
  /* The tabs take their own row under the name and the log-out button. */
  .tabs { order: 3; flex-basis: 100%; overflow-x: auto; }
}
.tab, button, .button { white-space: nowrap; }
input[type=file] { max-width: 100%; }
/* With our script the filters apply on change; without it the button submits them. */
.js form[data-autosubmit] button { display: none; }
.niches ul { list-style: none; padding: 0; margin: 0 0 1rem; }
.niches li a { display: flex; justify-content: space-between; padding: .45rem .6rem; border-radius: .4rem; text-decoration: none; color: var(--text); }
.niches li a.current { background: var(--button); color: var(--button-text); }
.niches li a:hover { background: var(--secondary-bg); }
.niches li a.current:hover { background: var(--button); }
.count { color: var(--hint); }
.current .count { color: inherit; }
form.stack { display: flex; flex-direction: column; gap: .4rem; margin: 0 0 1rem; padding: .6rem; background: var(--secondary-bg); border-radius: .5rem; }
form.inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: 0 0 .6rem; }
input, select, button, textarea { font: inherit; color: var(--text); }
input[type=text], select { padding: .35rem .5rem; border: 1px solid var(--hint); border-radius: .35rem; background: var(--bg); }
button, .button { padding: .4rem .8rem; border: 0; border-radius: .4rem; background: var(--button); color: var(--button-text); cursor: pointer; text-decoration: none; display: inline-block; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--secondary-bg); white-space: nowrap; }
th a { text-decoration: none; }
th.sorted a::after { content: " ▾"; }
.msg { white-space: pre-wrap; margin: .4rem 0; }
.tone-error { color: var(--error); }
.tone-success { color: var(--success); }
.flash { border-left: 4px solid var(--button); padding: .2rem .8rem; margin-bottom: 1rem; background: var(--secondary-bg); }
.pager { display: flex; gap: .5rem; margin-top: .6rem; }
.usernames textarea { width: 100%; }
code { background: var(--secondary-bg); padding: 0 .25rem; border-radius: .2rem; }
h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
section.batches, section.results { margin-bottom: 1.5rem; }
progress { width: 10rem; max-width: 40vw; vertical-align: middle; accent-color: var(--button); }
.usernames-head { display: flex; gap: .6rem; align-items: center; justify-content: space-between; margin: .4rem 0; }
button.danger { background: var(--error); }
.bulk { padding: .4rem .6rem; background: var(--secondary-bg); border-radius: .4rem; }
/* Niche order: the link takes the row, the up/down buttons sit at its end. */
.niches li { display: flex; align-items: center; gap: .25rem; }
.niches li a { flex: 1; min-width: 0; }
form.order { display: flex; justify-content: flex-end; gap: .15rem; margin: 0; width: 4.2rem; }
form.order button { padding: .2rem .45rem; background: var(--secondary-bg); color: var(--text); border: 1px solid var(--hint); }
.chart img { max-width: 100%; height: auto; border: 1px solid var(--secondary-bg); background: #fff; }
.chart figcaption { color: var(--hint); font-size: .9em; }
figure.chart { margin: 1rem 0; }
.jump { display: flex; flex-wrap: wrap; gap: .8rem; margin-bottom: 1rem; }
section.master, section.targets, section.rates, section.proxies, section.sessions { margin-bottom: 1.8rem; }
.proxies textarea, .sessions textarea { width: 100%; font-family: ui-monospace, monospace; }
input[type=number] { width: 7rem; padding: .35rem .5rem; border: 1px solid var(--hint); border-radius: .35rem; background: var(--bg); }
@media (max-width: 700px) {
  /* A phone: a short bar with its count under it, so the batch row fits the screen (a 10rem bar pushed
     the count and the stories column off it). Last in the sheet, so it wins over the rules above. */
  progress { width: 4.5rem; max-width: none; }
  progress + .count { display: block; font-size: .85em; }
  th, td { padding: .3rem .35rem; }
}
`;

/** Telegram's theme (saved by the Mini App's entry page) as our CSS variables; filters submit on change. */
export const PANEL_JS = `
(function () {
  document.documentElement.classList.add('js');
  try {
    var theme = JSON.parse(sessionStorage.getItem('sw-tg-theme') || 'null');
    var names = { bg_color: '--bg', text_color: '--text', hint_color: '--hint', link_color: '--link',
      button_color: '--button', button_text_color: '--button-text', secondary_bg_color: '--secondary-bg' };
    if (theme) for (var key in names) if (theme[key]) document.documentElement.style.setProperty(names[key], theme[key]);
  } catch (e) {}
  // A page answering a POST: its GET address in the bar, so back and reload do not post again.
  var url = document.body.getAttribute('data-url');
  if (url && location.pathname + location.search !== url) history.replaceState(null, '', url);
  // In the Mini App (the entry page saved the theme): Telegram's back button on detail views goes back.
  var inTelegram = false;
  try { inTelegram = sessionStorage.getItem('sw-tg-theme') !== null; } catch (e) {}
  if (inTelegram) {
    var tg = document.createElement('script');
    tg.src = 'https://telegram.org/js/telegram-web-app.js';
    tg.onload = function () {
      var app = window.Telegram && window.Telegram.WebApp;
      if (!app || !app.BackButton) return;
      if (document.body.hasAttribute('data-detail')) {
        app.BackButton.onClick(function () { history.back(); });
        app.BackButton.show();
      } else app.BackButton.hide();
    };
    document.head.appendChild(tg);
  }
  // Copy all: the list's textarea, whole, to the clipboard (select and copy where the API is absent).
  document.addEventListener('click', function (ev) {
    var btn = ev.target && ev.target.closest && ev.target.closest('button[data-copy]');
    if (!btn) return;
    var area = btn.closest('.usernames').querySelector('textarea');
    var done = function () { btn.textContent = 'Copied ' + area.value.split('\\n').filter(Boolean).length; };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(area.value).then(done, function () { area.select(); });
    else { area.select(); document.execCommand('copy'); done(); }
  });
  // A detail view's back link: back in history (keeps the list's page and sort) when there is one.
  document.addEventListener('click', function (ev) {
    var back = ev.target && ev.target.closest && ev.target.closest('a[data-back]');
    if (back && history.length > 1) { ev.preventDefault(); history.back(); }
  });
  // Select all rows of the page; confirm a destructive button.
  document.addEventListener('change', function (ev) {
    var all = ev.target;
    if (!all || !all.hasAttribute || !all.hasAttribute('data-select-all')) return;
    var boxes = all.closest('table').querySelectorAll('input[name=user]');
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
  });
  document.addEventListener('click', function (ev) {
    var btn = ev.target && ev.target.closest && ev.target.closest('[data-confirm]');
    if (btn && !window.confirm(btn.getAttribute('data-confirm'))) ev.preventDefault();
  });
  // A running batch: reload its progress fragment every 2 s until none is pending or in progress.
  var live = document.querySelector('[data-poll]');
  function poll() {
    if (!live || !live.querySelector('[data-active="1"]')) return;
    setTimeout(function () {
      fetch(live.getAttribute('data-poll'), { credentials: 'same-origin' }).then(function (res) {
        return res.ok ? res.text() : Promise.reject(res.status);
      }).then(function (text) { live.innerHTML = text; poll(); }, function () {});
    }, 2000);
  }
  poll();
  document.addEventListener('change', function (ev) {
    var el = ev.target;
    if (el && el.form && el.form.hasAttribute('data-autosubmit')) el.form.submit();
  });
})();
`;

/** The Mini App entry: posts initData, then opens the panel (the cookie is set by then). */
export const TG_LOGIN_JS = `
(function () {
  var status = document.getElementById('status');
  var app = window.Telegram && window.Telegram.WebApp;
  if (!app || !app.initData) {
    status.textContent = 'Open the panel from the bot\\'s menu button, or send panel to the bot for a login link.';
    return;
  }
  try { sessionStorage.setItem('sw-tg-theme', JSON.stringify(app.themeParams || {})); } catch (e) {}
  app.ready();
  // A table-heavy panel needs the full height; Telegram opens Mini Apps half-height on phones.
  if (app.expand) app.expand();
  fetch('/panel/telegram-login', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ initData: app.initData }).toString()
  }).then(function (res) {
    if (res.ok) location.replace('/panel/niches');
    else status.textContent = 'Not signed in (' + res.status + ').';
  }, function () { status.textContent = 'The panel did not answer.'; });
})();
`;

/** The login link's page: sends its one form at once (a link preview runs no script, so spends nothing). */
export const LOGIN_JS = `
(function () {
  var form = document.getElementById('login');
  if (form) form.submit();
})();
`;
