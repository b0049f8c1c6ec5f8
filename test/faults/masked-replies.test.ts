import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryProducer } from '../../src/delivery/producer.js';
import { reply } from '../../src/reply/reply.js';
import { run } from '../core/command-helpers.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

const CRED = '10.0.0.9:8080:bob:Secret123pw';
const COOKIE = 'sessionid=7770001%3AqWeRtYsEcReT%3A27';

describe('never lose #14.2: no reply repeats a credential, whatever command it was typed into', () => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps();
    await run(deps, 'niche add fitness');
  });
  afterAll(async () => {
    await deps.close();
  });

  for (const line of [
    `target set fitness ${CRED}`,
    `results ${CRED}`,
    `batch cancel ${CRED}`,
    `niche add ${CRED}`,
    `niche remove ${COOKIE}`,
    `instagram set canaries ${CRED}`,
  ]) {
    const label = line.replace(CRED, '<proxy line>').replace(COOKIE, '<cookie>');
    it(`GIVEN "${label}" THEN the reply (text and data) masks it`, async () => {
      const r = await run(deps, line);
      const everything = `${r.text}\n${JSON.stringify(r.reply.data ?? null)}`;
      expect(everything).not.toContain('Secret123pw');
      expect(everything).not.toContain('qWeRtYsEcReT');
    });
  }
});

describe('never lose #14.2: what the worker sends is masked too', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.destroy();
  });

  it('GIVEN a delivery quoting a proxy line THEN the queued reply is masked', async () => {
    const producer = createDeliveryProducer(app);
    try {
      await producer.enqueue({
        target: { platform: 'telegram', chatId: '1' },
        reply: reply.text(`proxy ${CRED} failed`),
        dedupeKey: 'mask:1',
      });
      const { Queue } = await import('bullmq');
      const q = new Queue('deliveries', {
        connection: { url: app.env.REDIS_URL },
        prefix: app.env.QUEUE_PREFIX,
      });
      const [job] = await q.getJobs(['waiting', 'delayed', 'prioritized']);
      await q.close();
      expect(JSON.stringify(job?.data)).toContain('10.0.0.9:8080:bob:***');
      expect(JSON.stringify(job?.data)).not.toContain('Secret123pw');
    } finally {
      await producer.close();
    }
  });
});
