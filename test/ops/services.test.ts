import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandServices } from '../../src/app/services.js';
import { renderProxyTest } from '../../src/bot/commands/proxy.js';
import { renderPlain } from '../../src/reply/reply.js';
import { BATCHES_QUEUE } from '../../src/worker/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('command services of a process', () => {
  let app: TestApp;
  let built: ReturnType<typeof createCommandServices>;
  let queue: Queue;

  beforeAll(async () => {
    app = await createTestApp();
    built = createCommandServices(app);
    queue = new Queue(BATCHES_QUEUE, {
      connection: { url: app.env.REDIS_URL },
      prefix: app.env.QUEUE_PREFIX,
    });
  });
  afterAll(async () => {
    await queue.close();
    await built.close();
    await app.destroy();
  });

  it('GIVEN a batch queued twice THEN the worker queue holds it once', async () => {
    await built.services.enqueueBatch!(41);
    await built.services.enqueueBatch!(41);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs.map((j) => j.data)).toEqual([{ batchId: 41 }]);
  });

  it('GIVEN the env THEN the batch commands learn whether direct checks are allowed', () => {
    expect(built.services.allowDirect).toBe(false);
  });

  it('GIVEN no proxies THEN proxy testing answers what to do instead of failing', async () => {
    const answer = renderPlain(renderProxyTest(await built.services.testProxies!()));
    expect(answer).toMatch(/No proxies to test/);
  });
});
