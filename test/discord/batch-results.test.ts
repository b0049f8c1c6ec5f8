import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchWorkerDeps } from '../../src/app/worker-deps.js';
import type { CommandServices } from '../../src/bot/commands/types.js';
import {
  checkerOptionsFromEnv,
  createStoryChecker,
  type RunningStoryChecker,
} from '../../src/checker/index.js';
import { batches, detections, niches, profiles } from '../../src/core/db/schema/index.js';
import { type DeliveryWorkerHandle, startDeliveryWorker } from '../../src/delivery/worker.js';
import { type BatchQueue, createBatchQueue } from '../../src/worker/batch-queue.js';
import { startWorker, type WorkerHandle } from '../../src/worker/batch-worker.js';
import { type FakeInstagram, generateUsers, startFakeInstagram } from '../fakes/fake-instagram.js';
import { CHANNEL, type DiscordHarness, shown, startDiscordHarness, until } from './harness.js';

const SESSION = { sessionid: '7770001%3AdIsCoRdSeSsIoN%3A5', csrftoken: 'csrfDiscord1', dsUserId: '7770001' };

describe('Discord: a batch run with progress edits, its summary, and /results', () => {
  let ig: FakeInstagram;
  let h: DiscordHarness;
  let queue: BatchQueue;
  let checker: RunningStoryChecker;
  let worker: WorkerHandle;
  let deliveries: DeliveryWorkerHandle;
  const services: CommandServices = { allowDirect: true };

  beforeAll(async () => {
    // user0, user3, ... user27 have a story: 10 of 30.
    ig = await startFakeInstagram({ users: generateUsers(30, { storyEvery: 3 }), sessions: [SESSION] });
    h = await startDiscordHarness(services, { INSTAGRAM_WEB_URL: ig.url, ALLOW_DIRECT: 'true' });
    queue = createBatchQueue(h.app);
    services.enqueueBatch = (id) => queue.enqueueBatch(id);
    checker = await createStoryChecker({
      core: h.app.core,
      redis: h.app.redis('checker'),
      options: {
        ...checkerOptionsFromEnv(h.app.env),
        requestsPerMinute: 600,
        timeoutMs: 3_000,
        healthFlushMs: 100,
      },
    });
    worker = startWorker(batchWorkerDeps(h.app), {
      checker,
      pollMs: 200,
      progressEveryMs: 300,
      settingsRefreshMs: 300,
      lockDurationMs: 5_000,
      stalledIntervalMs: 5_000,
    });
    deliveries = startDeliveryWorker(h.app, { discord: h.bot.sender });
  });
  afterAll(async () => {
    await worker?.close();
    await checker?.close();
    await deliveries?.close();
    await queue?.close();
    await h?.close();
    await ig?.stop();
  });

  it('GIVEN /batch run THEN one message shows progress edited in place and a summary lists the usernames found', async () => {
    const cookie = `sessionid=${SESSION.sessionid}; csrftoken=${SESSION.csrftoken}; ds_user_id=${SESSION.dsUserId}`;
    const session = await h.run({ command: 'session', subcommand: 'add', options: { cookie } });
    expect(session.original?.flags).toBe(64);
    await h.run({ command: 'settings', subcommand: 'rate', options: { perminute: 600 } });
    await h.run({ command: 'niche', subcommand: 'add', options: { name: 'Life' } });
    const names = Array.from({ length: 30 }, (_, i) => `user${i}`);
    await h.run({ command: 'import', options: { niche: 'Life', usernames: names.join(' ') } });

    const run = await h.run({ command: 'batch', subcommand: 'run', options: { name: 'Life', count: 30 } });
    expect(shown(run)).toContain('Batch #');
    const progress = run.original!;
    await until(async () => {
      const [b] = await h.app.core.db.select().from(batches);
      return b?.status === 'completed';
    }, 30_000);
    const summary = await h.fake.waitFor(
      () =>
        h.fake.messagesIn(CHANNEL).find((m) => m.via === 'channel' && m.content.includes('Stories found')),
      15_000,
    );
    await h.fake.waitFor(() => progress.history.at(-1)?.content.includes('30/30'), 15_000);

    const edits = h.fake.requestsTo('PATCH', new RegExp(`^/channels/${CHANNEL}/messages/${progress.id}$`));
    const states = progress.history.map((s) => s.content);
    console.log(`progress message: ${edits.length} edits in place; states: ${states.slice(1).join(' | ')}`);
    expect(edits.length).toBeGreaterThanOrEqual(1);
    // One progress message: the command's own reply, edited; no second progress message was posted.
    expect(
      h.fake.messagesIn(CHANNEL).filter((m) => m.via === 'channel' && m.content.includes('%)')),
    ).toHaveLength(0);
    const found = names.filter((_, i) => i % 3 === 0);
    for (const u of found) expect(summary.content).toContain(u);
    expect(summary.content).not.toContain('user1\n');
    expect(h.fake.messagesIn(CHANNEL).filter((m) => m.content.includes('Stories found'))).toHaveLength(1);
  });

  it('GIVEN /session list, whose reply is marked ephemeral THEN the public placeholder goes and the list is shown only to the operator', async () => {
    const rec = await h.run({ command: 'session', subcommand: 'list' });
    await h.fake.waitFor(() => rec.followUps.length === 1);
    expect(rec.original?.deleted).toBe(true);
    expect(rec.followUps[0]!.flags & 64).toBe(64);
    expect(rec.followUps[0]!.content).toContain('7770001');
    const publicText = h.fake.messages
      .filter((m) => !(m.flags & 64) && !m.deleted)
      .map((m) => m.content)
      .join('\n');
    expect(publicText).not.toContain('7770001');
    expect(JSON.stringify(h.fake.requests.map((r) => r.body))).not.toContain('dIsCoRdSeSsIoN');
  });

  it('GIVEN stories were found THEN /results lists them in a code block', async () => {
    const rec = await h.run({ command: 'results', options: { name: 'Life', hours: 24 } });
    expect(rec.original?.attachments).toEqual([]);
    expect(shown(rec)).toMatch(/```\n(user\d+\n){9}user\d+\n```/);
    console.log(`results (10 stories): ${shown(rec).length} characters inline, no attachment`);
  });

  it('GIVEN more results than fit 2,000 characters THEN they arrive whole as .txt attachments', async () => {
    const [niche] = await h.app.core.db.insert(niches).values({ name: 'Bulk', position: 9 }).returning();
    const many = Array.from({ length: 250 }, (_, i) => `bulk_story_${String(i).padStart(3, '0')}`);
    await h.app.core.db.insert(profiles).values(many.map((username) => ({ username, nicheId: niche!.id })));
    await h.app.core.db
      .insert(detections)
      .values(many.map((username) => ({ username, nicheId: niche!.id, detectedAt: new Date() })));
    const rec = await h.run({ command: 'results', options: { name: 'Bulk' } });
    const m = rec.original!;
    expect(m.content.length).toBeLessThanOrEqual(2000);
    const list = m.attachments.find((a) => a.filename === 'stories-Bulk-24h.txt');
    expect(list?.content.toString().trim().split('\n').sort()).toEqual(many);
    expect(m.attachments.map((a) => a.filename)).toContain('table.txt');
    console.log(`results (250 stories): attachments ${m.attachments.map((a) => a.filename).join(', ')}`);
  });
});
