import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNiche } from '../../src/core/niches.js';
import { signInitData } from '../../src/web/telegram-init-data.js';
import { launchChromium, SCREENSHOTS } from './browser.js';
import { BOT_TOKEN, OWNER, type PanelHarness, startPanel } from './panel-harness.js';

let h: PanelHarness;
let browser: Browser;
beforeAll(async () => {
  h = await startPanel();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** 120 usernames (fit_000 ... fit_119), a duplicate and two lines that are not usernames. */
async function usernamesFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sw-panel-'));
  const path = join(dir, 'fitness.txt');
  const names = Array.from({ length: 120 }, (_, i) => `fit_${String(i).padStart(3, '0')}`);
  writeFileSync(path, [...names, 'fit_007', 'not a username!', 'https://example.com/x'].join('\n'));
  return path;
}

async function rowsOf(page: Page): Promise<string[]> {
  return page.locator('.profiles tbody tr td:nth-child(2)').allTextContents();
}

describe('Niche Feed in headless Chromium', () => {
  it('logs in with a link, creates a niche, imports a .txt, pages, sorts, moves and deletes selected profiles', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    await page.goto(await h.loginLink());
    await page.waitForURL(/\/panel\/niches$/);
    await expect(page.locator('nav.tabs .current').textContent()).resolves.toBe('Niche Feed');

    await page.fill('#new-niche', 'Fitness');
    await page.click('text=Create niche');
    await expect(page.locator('.flash').textContent()).resolves.toContain('Niche "Fitness" created');
    await expect(page.locator('.niches a.current').textContent()).resolves.toContain('Fitness');

    await page.setInputFiles('input[name=file]', await usernamesFile());
    await page.click('button:has-text("Import")');
    const report = (await page.locator('.flash').textContent()) ?? '';
    expect(report).toMatch(/Import into Fitness: 120 profiles added/);
    expect(report).toContain('not a username!');
    await expect(page.locator('.profiles .msg').first().textContent()).resolves.toMatch(
      /page 1 of 3 \(1-50 of 120/,
    );
    expect((await rowsOf(page)).slice(0, 2)).toEqual(['fit_000', 'fit_001']);
    await page.screenshot({ path: join(SCREENSHOTS, 'niche-feed-desktop.png'), fullPage: false });

    await page.click('.pager a:has-text("Next")');
    await expect(page.locator('.profiles .msg').first().textContent()).resolves.toMatch(
      /page 2 of 3 \(51-100/,
    );
    expect((await rowsOf(page))[0]).toBe('fit_050');

    await h.app.database
      .sql`update profiles set total_detected = 7, total_checks = 9 where username = 'fit_090'`;
    await page.click('th a:has-text("detections")');
    await expect(page.locator('.profiles .msg').first().textContent()).resolves.toMatch(
      /by count: page 1 of 3/,
    );
    expect((await rowsOf(page))[0]).toBe('fit_090');
    await expect(page.locator('select[name=sort]').inputValue()).resolves.toBe('count');

    // Multi-select: two rows move to another niche, then a whole page is deleted (after the confirm).
    await createNiche(h.core, 'Yoga');
    await page.reload();
    await page.check('input[name=user][value=fit_090]');
    await page.check('input[name=user][value=fit_000]');
    await page.selectOption('select[name=to]', 'Yoga');
    await page.click('#bulk button[value=move]');
    await expect(page.locator('.flash').textContent()).resolves.toContain(
      'Moved 2 of 2 profiles to niche "Yoga".',
    );
    await expect(page.locator('.niches a:has-text("Fitness") .count').textContent()).resolves.toBe('118');
    await expect(page.locator('.niches a:has-text("Yoga") .count').textContent()).resolves.toBe('2');
    await expect(page.locator('select[name=sort]').inputValue()).resolves.toBe('count'); // the view stays
    page.once('dialog', (d) => void d.accept());
    await page.check('input[data-select-all]');
    await page.click('#bulk button[value=delete]');
    await expect(page.locator('.flash').textContent()).resolves.toContain('Deleted 50 of 50 profiles');
    await expect(page.locator('.niches a:has-text("Fitness") .count').textContent()).resolves.toBe('68');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SCREENSHOTS, 'niche-feed-phone.png'), fullPage: false });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens inside a Mini App with a signed initData (theme colours applied) and refuses a forged one', async () => {
    const open = async (initData: string) => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      // Telegram's script, as the Mini App frame provides it (no network in tests).
      await context.route('https://telegram.org/js/telegram-web-app.js', (route) =>
        route.fulfill({
          contentType: 'text/javascript',
          body: `window.Telegram = { WebApp: { initData: ${JSON.stringify(initData)}, themeParams: { bg_color: '#17212b', text_color: '#f5f5f5', button_color: '#5288c1', button_text_color: '#ffffff', secondary_bg_color: '#232e3c' }, ready() {} } };`,
        }),
      );
      const page = await context.newPage();
      await page.goto(`${h.base}/panel/tg`);
      return { context, page };
    };
    const now = Math.floor(h.clock.now().getTime() / 1000);
    const fields = { auth_date: String(now), user: JSON.stringify({ id: Number(OWNER) }) };
    const good = await open(signInitData(fields, BOT_TOKEN));
    await good.page.waitForURL(/\/panel\/niches$/);
    const bg = await good.page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(bg).toBe('rgb(23, 33, 43)');
    await good.page.screenshot({ path: join(SCREENSHOTS, 'niche-feed-mini-app.png') });
    await good.context.close();

    const forged = await open(signInitData(fields, '7000000001:AAHnotTheBotsTokenXXXXXXXXXXXXXXXXXXXX'));
    await expect(forged.page.locator('#status').textContent()).resolves.toBeTruthy();
    await forged.page.waitForFunction("document.getElementById('status').textContent.includes('401')");
    expect(forged.page.url()).toMatch(/\/panel\/tg$/);
    await forged.context.close();
  });
});
