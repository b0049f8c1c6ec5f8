import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNiche } from '../../src/core/niches.js';
import { signInitData } from '../../src/web/telegram-init-data.js';
import { launchChromium, SCREENSHOTS } from './browser.js';
import { BOT_TOKEN, OWNER, type PanelHarness, startPanel } from './panel-harness.js';

const PASSWORD = 'Br0wser-Pw-7Qx2';

let h: PanelHarness;
let browser: Browser;
beforeAll(async () => {
  h = await startPanel();
  await createNiche(h.core, 'Fitness');
  await createNiche(h.core, 'Yoga');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const flash = (page: Page) => page.locator('.flash').textContent();

async function nicheOrder(page: Page): Promise<string[]> {
  return page.locator('.niches li a span:first-child').allTextContents();
}

describe('Settings in headless Chromium', () => {
  it('adds a proxy (password never shown), sets a target and a rate, reorders niches, deletes and restores a profile', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(8000);
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    await page.goto(await h.loginLink());
    await page.waitForURL(/\/panel\/niches$/);

    // Niche order, by keyboard: focus "Move Yoga up" and press Enter.
    expect(await nicheOrder(page)).toEqual(['Fitness', 'Yoga']);
    await page.focus('button[aria-label="Move Yoga up"]');
    await page.keyboard.press('Enter');
    await expect(flash(page)).resolves.toContain('Niche "Yoga" is now at position 1');
    expect(await nicheOrder(page)).toEqual(['Yoga', 'Fitness']);
    await page.click('button[aria-label="Move Yoga down"]');
    expect(await nicheOrder(page)).toEqual(['Fitness', 'Yoga']);

    await page.click('nav.tabs a:has-text("Settings")');
    await page.waitForURL(/\/panel\/settings$/);
    await page.fill('input[name=usernames]', 'alpha_1 alpha_2 @alpha_3');
    await page.selectOption('form[action$="profiles/add"] select[name=niche]', 'Fitness');
    await page.click('button:has-text("Add")');
    await expect(flash(page)).resolves.toMatch(/Import into Fitness: 3 profiles added/);
    await expect(page.locator('.master tbody tr').count()).resolves.toBe(3);

    await page.fill('#proxy-lines', `10.9.8.7:3128:carol:${PASSWORD}`);
    await page.click('button:has-text("Add proxies")');
    await expect(flash(page)).resolves.toContain('Added 1');
    await expect(page.locator('.proxies table').textContent()).resolves.toContain('10.9.8.7:3128');
    await expect(page.locator('#proxy-lines').inputValue()).resolves.toBe('');
    expect(await page.content()).not.toContain(PASSWORD);

    await page.selectOption('form[action$="/target"] select[name=name]', 'Yoga');
    await page.fill('form[action$="/target"] input[name=count]', '25');
    await page.click('button:has-text("Set target")');
    await expect(flash(page)).resolves.toContain('Daily target of "Yoga" set to 25 stories');
    await expect(page.locator('.targets tr:has-text("Yoga")').textContent()).resolves.toContain('0/25');

    await page.fill('form:has(input[value=threads]) input[name=value]', '6');
    await page.click('form:has(input[value=threads]) button');
    await expect(flash(page)).resolves.toContain('Threads set to 6');
    await expect(page.locator('form:has(input[value=threads]) input[name=value]').inputValue()).resolves.toBe(
      '6',
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-desktop.png'), fullPage: true });

    // Delete one profile (after the confirm), then restore it from the flash.
    page.once('dialog', (d) => void d.accept());
    await page.check('input[name=user][value=alpha_2]');
    await page.click('#master button[value=delete]');
    await expect(flash(page)).resolves.toContain('Deleted 1 of 1 profile');
    await expect(page.locator('.master tbody tr').count()).resolves.toBe(2);
    await page.fill('.flash input[name=niche]', 'Fitness');
    await page.click('.flash button:has-text("Restore")');
    await expect(flash(page)).resolves.toMatch(/Import into Fitness: 1 profiles? added/);
    await expect(page.locator('.master td a:has-text("alpha_2")').count()).resolves.toBe(1);

    // A profile's detail view, and back to the list.
    await page.click('.master td a:has-text("alpha_2")');
    await page.waitForURL(/\/panel\/settings\/profile\?username=alpha_2$/);
    await expect(page.locator('.profile').textContent()).resolves.toContain('alpha_2');
    await page.click('a[data-back]');
    await page.waitForURL(/\/panel\/settings$/);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-phone.png'), fullPage: true });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows stats with its chart drawn as an image that loads under the CSP', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(await h.loginLink());
    await page.waitForURL(/\/panel\/niches$/);
    await page.goto(`${h.base}/panel/settings`);
    await page.click('nav.jump a:has-text("Stats")');
    await page.waitForURL(/\/panel\/settings\/stats$/);
    await expect(page.locator('.stats').textContent()).resolves.toContain('Master list:');
    const img = page.locator('figure.chart img');
    await expect(img.getAttribute('alt')).resolves.toMatch(/^Chart: stories per niche per day/);
    // naturalWidth is 0 when the browser refused or could not decode the image.
    await page.waitForFunction("document.querySelector('figure.chart img').complete");
    expect(
      Number(await page.evaluate("document.querySelector('figure.chart img').naturalWidth")),
    ).toBeGreaterThan(100);
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-stats-desktop.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows Telegram's back button on a detail view in the Mini App, and it goes back", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const initData = signInitData(
      {
        auth_date: String(Math.floor(h.clock.now().getTime() / 1000)),
        user: JSON.stringify({ id: Number(OWNER) }),
      },
      BOT_TOKEN,
    );
    // Telegram's script as the frame provides it, recording what the page asks of the back button.
    await context.route('https://telegram.org/js/telegram-web-app.js', (route) =>
      route.fulfill({
        contentType: 'text/javascript',
        body: `window.__back = window.__back || [];
window.Telegram = { WebApp: { initData: ${JSON.stringify(initData)}, themeParams: {}, ready() {},
  BackButton: { show() { window.__back.push('show'); }, hide() { window.__back.push('hide'); },
    onClick(f) { window.__backClick = f; } } } };`,
      }),
    );
    const page = await context.newPage();
    await page.goto(`${h.base}/panel/tg`);
    await page.waitForURL(/\/panel\/niches$/);
    await page.waitForFunction('(window.__back || []).includes("hide")');
    await page.goto(`${h.base}/panel/settings`);
    await page.goto(`${h.base}/panel/settings/profile?username=zeta_9`);
    await page.waitForFunction('(window.__back || []).includes("show")');
    await page.evaluate('window.__backClick()');
    await page.waitForURL(/\/panel\/settings$/);
    await context.close();
  });
});
