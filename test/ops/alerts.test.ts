import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverCheckerAlert } from '../../src/app/alerts.js';
import { DELIVERIES_QUEUE, type Delivery } from '../../src/delivery/types.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('checker alerts reach the operator', () => {
  let app: TestApp;
  let queue: Queue<Delivery>;

  beforeAll(async () => {
    app = await createTestApp();
    queue = new Queue<Delivery>(DELIVERIES_QUEUE, {
      connection: { url: app.env.REDIS_URL },
      prefix: app.env.QUEUE_PREFIX,
    });
  });
  afterAll(async () => {
    await queue.close();
    await app.destroy();
  });

  it('GIVEN a disabled session THEN each digest chat gets one warning, once, however often it is raised', async () => {
    await app.database.sql`
      insert into delivery_targets (platform, chat_id, enabled) values
        ('telegram', '111', true), ('discord', '222', true), ('telegram', '333', false)`;
    const alert = {
      kind: 'session_disabled' as const,
      key: 'session:7:disabled:1796000000000',
      sessionId: 7,
      message:
        'Instagram refused session #7 (account 123): challenge_required. sessionid=abcdef123456 stays secret',
    };
    expect(await deliverCheckerAlert(app, alert)).toBe(2);
    await deliverCheckerAlert(app, alert);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'active']);
    const chats = jobs.map((j) => `${j.data.target.platform}:${j.data.target.chatId}`).sort();
    console.log('alert jobs:', chats.join(', '));
    expect(chats).toEqual(['discord:222', 'telegram:111']);
    const text = JSON.stringify(jobs[0]!.data.reply);
    expect(text).toContain('challenge_required');
    expect(text).not.toContain('abcdef123456');
  });
});
