import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchWorkerDeps } from '../../src/app/worker-deps.js';
import type { RunningStoryChecker } from '../../src/checker/index.js';
import { createNiche } from '../../src/core/niches.js';
import { type BatchQueue, createBatchQueue } from '../../src/worker/batch-queue.js';
import { startWorker, type WorkerHandle } from '../../src/worker/batch-worker.js';
import { setSettings } from '../helpers/batch-fixtures.js';
import { testChecker } from '../worker/support.js';
import { createWorld, type World } from '../worker/world.js';
import { launchChromium, SCREENSHOTS } from './browser.js';
import { type PanelHarness, startPanel } from './panel-harness.js';

let h: PanelHarness;
let browser: Browser;
let world: World;
let checker: RunningStoryChecker;
let worker: WorkerHandle;
let queue: BatchQueue;

beforeAll(async () => {
  h = await startPanel();
  world = await createWorld(h.app.database.sql, { users: 60, proxies: 3, latencyMs: 20, niche: 'Stories' });
  await setSettings(h.app.database.sql, { threads: 4, profilesPerMinute: 600 });
  checker = await testChecker(h.app, world.fake.url, h.app.queuePrefix);
  worker = startWorker(batchWorkerDeps(h.app), {
    checker,
    pollMs: 200,
    progressEveryMs: 300,
    settingsRefreshMs: 300,
  });
  queue = createBatchQueue(h.app);
  h.services.enqueueBatch = (id) => queue.enqueueBatch(id);
  await createNiche(h.core, 'Quiet');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await queue?.close();
  await worker?.close();
  await checker?.close();
  await world?.close();
  await h?.close();
});

describe('Batch + Results in headless Chromium, against the fake Instagram', () => {
  it('runs a batch, shows its bar reach completed, filters the results and copies them all', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.base });
    const page = await context.newPage();
    await page.goto(await h.loginLink());
    await page.waitForURL(/\/panel\/niches$/);
    await page.click('nav.tabs a:has-text("Batch + Results")');
    await page.waitForURL(/\/panel\/batches$/);

    await page.selectOption('select[name=niche] >> nth=0', 'Stories');
    await page.fill('input[name=count]', '60');
    await page.click('button:has-text("Run batch")');
    await expect(page.locator('.flash').textContent()).resolves.toMatch(
      /Batch #\d+ for Stories: 60 profiles/,
    );
    // The page's script polls the progress fragment; the row turns completed without a reload.
    const row = page.locator('#progress tr[data-status="completed"]');
    await row.waitFor({ timeout: 30_000 });
    await expect(row.locator('progress').getAttribute('value')).resolves.toBe('60');
    await expect(row.locator('.count').textContent()).resolves.toBe('60/60');

    h.clock.set(new Date()); // the panel's clock is a test clock: "the last 24 h" ends now
    await page.goto(`${h.base}/panel/batches?niche=Stories&hours=24`);
    const list = page.locator('.results .usernames textarea');
    const names = ((await list.inputValue()) ?? '').split('\n').filter(Boolean);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names)).toEqual(world.storyUsers);
    await page.screenshot({ path: join(SCREENSHOTS, 'batch-results-desktop.png') });

    await page.click('.results button[data-copy]');
    // The clipboard write is a promise: the label changes when it resolves, not on the click.
    await page.locator('.results button[data-copy]:has-text("Copied")').waitFor();
    await expect(page.locator('.results button[data-copy]').textContent()).resolves.toBe(
      `Copied ${names.length}`,
    );
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    expect(copied.split('\n').filter(Boolean)).toEqual(names);

    await page.selectOption('.results select[name=niche]', 'Quiet');
    await page.waitForURL(/niche=Quiet/);
    await expect(page.locator('.results .msg').first().textContent()).resolves.toBe(
      'No stories seen in the last 24 h (Quiet).',
    );
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${h.base}/panel/batches`);
    await page.screenshot({ path: join(SCREENSHOTS, 'batch-results-phone.png') });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    await context.close();
  });
});
