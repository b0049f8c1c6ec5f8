import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchWorkerDeps } from '../../src/app/worker-deps.js';
import {
  checkerOptionsFromEnv,
  createStoryChecker,
  type RunningStoryChecker,
} from '../../src/checker/index.js';
import { startDeliveryWorker } from '../../src/delivery/worker.js';
import { type BatchQueue, createBatchQueue, startWorker, type WorkerHandle } from '../../src/worker/index.js';
import { type ConnectProxy, startConnectProxies, stopAll } from '../fakes/connect-proxy.js';
import { type FakeInstagram, generateUsers, startFakeInstagram } from '../fakes/fake-instagram.js';
import { seedNiche } from '../helpers/batch-fixtures.js';
import { type BotHarness, OWNER, startBotHarness, visible } from './harness.js';

const PROXY_PASSWORD = 'Pr0xyS3cret!';
/** user0..user39; every 4th has a story (10 in all). */
const USERS = generateUsers(40, { storyEvery: 4 });
const WITH_STORY = USERS.filter((u) => u.storyPostedAt).map((u) => u.username);

describe('Telegram: a batch from the chat, with the real worker, checker and fake Instagram', () => {
  let h: BotHarness;
  let insta: FakeInstagram;
  let proxies: ConnectProxy[];
  let batchQueue: BatchQueue | undefined;
  let checker: RunningStoryChecker;
  let worker: WorkerHandle;
  let deliveries: ReturnType<typeof startDeliveryWorker>;

  beforeAll(async () => {
    insta = await startFakeInstagram({ users: USERS, latencyMs: 40 });
    proxies = await startConnectProxies(2, { username: 'pxuser', password: PROXY_PASSWORD });
    h = await startBotHarness(
      (app) => {
        batchQueue = createBatchQueue(app);
        const queue = batchQueue;
        return { enqueueBatch: (id) => queue.enqueueBatch(id) };
      },
      { INSTAGRAM_WEB_URL: insta.url },
    );
    checker = await createStoryChecker({
      core: h.app.core,
      redis: h.app.redis('checker'),
      options: {
        ...checkerOptionsFromEnv(h.app.env),
        requestsPerMinute: 600,
        timeoutMs: 2_000,
        healthFlushMs: 100,
        refreshMs: 500,
      },
    });
    worker = startWorker(batchWorkerDeps(h.app), {
      checker,
      pollMs: 100,
      progressEveryMs: 200,
      settingsRefreshMs: 300,
      lockDurationMs: 5_000,
      stalledIntervalMs: 5_000,
      limits: { rateWindowMs: 1_000, rateGuardMs: 20 },
    });
    deliveries = startDeliveryWorker(h.app, { telegram: h.bot.sender });
  });
  afterAll(async () => {
    await deliveries?.close();
    await worker?.close();
    await checker?.close();
    await batchQueue?.close();
    await h?.close();
    await stopAll(proxies ?? []);
    await insta?.stop();
  });

  it('GIVEN a niche, an import, a target and proxies set up from the chat THEN a batch posts progress edits and the usernames found', async () => {
    await h.say('/niche add Fitness');
    const names = USERS.map((u) => u.username);
    await h.say(undefined, {
      caption: '/import Fitness',
      document: { fileName: 'fitness.txt', content: Buffer.from([...names, names[0]].join('\n')) },
    });
    await h.say('/target Fitness 5');
    const add = await h.say(`/proxy add\n${proxies.map((p) => p.line).join('\n')}`);
    expect(visible(add.replies[0])).toContain('Added 2');
    await checker.refresh();

    const { replies } = await h.say('/batch run Fitness 40');
    const progress = replies[0]!;
    console.log(`batch start reply: ${visible(progress)}`);
    const summary = await h.fake.waitFor(
      () => h.fake.messagesTo(OWNER).find((m) => visible(m).includes('Stories found in batch')),
      60_000,
    );
    console.log(`progress message edits: ${progress.edits.length}; last: ${visible(progress)}`);
    expect(progress.edits.length).toBeGreaterThanOrEqual(1);
    expect(visible(progress)).toContain('100%');
    const found = visible(summary)
      .split('\n')
      .filter((l) => /^user\d+$/.test(l));
    console.log(`summary lists ${found.length} usernames with stories`);
    expect(found.sort()).toEqual([...WITH_STORY].sort());
    expect(JSON.stringify(h.fake.botMessages)).not.toContain(PROXY_PASSWORD);
  });

  it('GIVEN /results Fitness and /results THEN the usernames with stories are listed by niche', async () => {
    const byNiche = visible((await h.say('/results Fitness')).replies[0]);
    for (const u of WITH_STORY) expect(byNiche).toContain(u);
    const all = (await h.say('/results')).replies.map(visible).join('\n');
    expect(all).toContain('Fitness');
    for (const u of WITH_STORY) expect(all).toContain(u);
  });

  it('GIVEN 2,000 usernames with stories THEN /results sends them as a .txt document holding every name', async () => {
    const nicheId = await seedNiche(h.app.core.sql, 'Bulk', 2000, { prefix: 'bulk_' });
    await h.app.core.sql`
      insert into detections (username, niche_id, detected_at)
      select username, niche_id, now() - interval '10 minutes' from profiles where niche_id = ${nicheId}`;
    const { replies } = await h.say('/results Bulk', { expect: 2 });
    const doc = replies.find((m) => m.document?.fileName === 'stories-Bulk-24h.txt');
    const lines = doc?.document?.content.trim().split('\n') ?? [];
    console.log(
      `/results Bulk: ${replies.map((m) => m.document?.fileName ?? 'text').join(', ')}; ${lines.length} usernames in the document`,
    );
    expect(lines).toHaveLength(2000);
    expect(new Set(lines).size).toBe(2000);
    expect(doc?.caption).toContain('(2000)');
  });
});
