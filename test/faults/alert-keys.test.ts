import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverCheckerAlert } from '../../src/app/alerts.js';
import { sessionAlert } from '../../src/checker/alerts.js';
import { addSession, disableSession } from '../../src/core/sessions/index.js';
import { DELIVERIES_QUEUE } from '../../src/delivery/types.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('never lose #14.8: a session disabled again after being re-added is announced again', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ CREDENTIALS_KEY: 'ab'.repeat(32) });
  });
  afterAll(async () => {
    await app.destroy();
  });

  it('GIVEN the same account disabled, re-added and disabled again THEN each disablement reaches the digest chat once', async () => {
    await app.database
      .sql`insert into delivery_targets (platform, chat_id, enabled) values ('telegram', '321', true)`;
    const cookie = 'sessionid=5551234%3AaBcDeFgHiJkL%3A1; csrftoken=tokTOKtok; ds_user_id=5551234';
    const s = await addSession(app.core, cookie);
    const first = await disableSession(app.core, s.id, 'login_required');
    await new Promise((r) => setTimeout(r, 5));
    await addSession(app.core, cookie);
    const second = await disableSession(app.core, s.id, 'login_required');
    for (const at of [first, second]) {
      const alert = sessionAlert({ id: s.id, dsUserId: '5551234' }, at!, 'login_required', null);
      // Raised twice for the same disablement (two workers): still one delivery.
      await deliverCheckerAlert(app, alert);
      await deliverCheckerAlert(app, alert);
    }
    const q = new Queue(DELIVERIES_QUEUE, {
      connection: { url: app.env.REDIS_URL },
      prefix: app.env.QUEUE_PREFIX,
    });
    const jobs = await q.getJobs(['waiting', 'delayed', 'prioritized']);
    await q.close();
    expect(jobs).toHaveLength(2);
  });
});
