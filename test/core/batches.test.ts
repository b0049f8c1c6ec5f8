import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelBatch,
  createBatch,
  finishBatch,
  getBatch,
  recordCheckResult,
  recordCheckResults,
  startBatch,
} from '../../src/core/batches/index.js';
import { isUserError } from '../../src/core/errors.js';
import { seedNiche, seedProxy } from '../helpers/batch-fixtures.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

describe('batch creation and recording', () => {
  let d: TestDeps;
  beforeAll(async () => {
    d = await createTestDeps({ max: 25 });
    await seedProxy(d.sql);
  });
  afterAll(async () => {
    await d.close();
  });

  it('GIVEN an unknown niche, an empty niche, or a count out of range THEN a clear refusal and no batch row', async () => {
    await seedNiche(d.sql, 'EmptyOne', 0);
    await seedNiche(d.sql, 'Small', 5);
    const cases: Array<[string | number, number, string, RegExp]> = [
      ['nope', 1, 'niche_not_found', /No niche named "nope"; niches are: EmptyOne, Small/],
      ['emptyone', 1, 'niche_empty', /no active profiles/],
      ['small', 6, 'bad_count', /from 1 to 5 .*got 6/],
      ['small', 0, 'bad_count', /from 1 to 5/],
    ];
    for (const [niche, count, code, message] of cases) {
      const err = await createBatch(d, { niche, count, trigger: 'manual', allowDirect: false }).catch(
        (e) => e,
      );
      expect(isUserError(err), String(err)).toBe(true);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
    }
    const [cnt] = await d.sql`select count(*)::int as n from batches`;
    expect(cnt!.n).toBe(0);
  });

  it('GIVEN no usable proxy and direct mode off THEN refused; with direct mode on THEN created', async () => {
    await d.sql`update proxies set enabled = false`;
    try {
      await seedNiche(d.sql, 'NoProxy', 3);
      const err = await createBatch(d, {
        niche: 'noproxy',
        count: 1,
        trigger: 'manual',
        allowDirect: false,
      }).catch((e) => e);
      expect(err.code).toBe('no_proxies');
      const b = await createBatch(d, { niche: 'noproxy', count: 1, trigger: 'manual', allowDirect: true });
      expect(b.status).toBe('pending');
    } finally {
      await d.sql`update proxies set enabled = true`;
    }
  });

  it('GIVEN 20 concurrent manual triggers for one niche THEN exactly one batch and 19 "already running" replies', async () => {
    const nicheId = await seedNiche(d.sql, 'Racing', 50);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        createBatch(d, { niche: 'Racing', count: 10, trigger: 'manual', allowDirect: false }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(19);
    for (const e of refused) {
      expect(isUserError(e)).toBe(true);
      expect(e.message).toMatch(/already running for Racing \(#\d+/);
    }
    const rows = await d.sql`select id from batches where niche_id = ${nicheId}`;
    expect(rows).toHaveLength(1);
    const [cnt] = await d.sql`select count(*)::int as n from batch_items where batch_id = ${rows[0]!.id}`;
    expect(cnt!.n).toBe(10);
  });

  it('GIVEN the oldest policy THEN never-checked profiles first, then the longest-ago checked', async () => {
    const nicheId = await seedNiche(d.sql, 'Order', 6, { prefix: 'ord_' });
    await d.sql`update profiles set last_checked_at = now() - (substr(username, 5)::int || ' hours')::interval
                where niche_id = ${nicheId} and username <> 'ord_00005'`;
    const b = await createBatch(d, {
      niche: 'order',
      count: 3,
      trigger: 'manual',
      allowDirect: false,
      policy: 'oldest',
    });
    const items = await d.sql`select username from batch_items where batch_id = ${b.id} order by username`;
    // ord_00005 never checked; ord_00004 (4 h ago) and ord_00003 (3 h ago) are the oldest checks.
    expect(items.map((r) => r.username)).toEqual(['ord_00003', 'ord_00004', 'ord_00005']);
  });

  it('GIVEN the yield policy THEN profiles with a history of stories are chosen over those that never post', async () => {
    const nicheId = await seedNiche(d.sql, 'Yielding', 20, { prefix: 'yld_' });
    await d.sql`update profiles set total_checks = 40, total_detected = 0, last_checked_at = now() - interval '30 hours'
                where niche_id = ${nicheId}`;
    await d.sql`update profiles set total_detected = 30 where username in ('yld_00007', 'yld_00011')`;
    const b = await createBatch(d, {
      niche: 'yielding',
      count: 2,
      trigger: 'manual',
      allowDirect: false,
      policy: 'yield',
    });
    const items = await d.sql`select username from batch_items where batch_id = ${b.id} order by username`;
    expect(items.map((r) => r.username)).toEqual(['yld_00007', 'yld_00011']);
    expect(b.policy).toBe('yield');
  });

  it('GIVEN the same check result recorded twice and ten times concurrently THEN the profile and batch count it once', async () => {
    await seedNiche(d.sql, 'Idem', 3, { prefix: 'idm_' });
    const b = await createBatch(d, { niche: 'idem', count: 3, trigger: 'manual', allowDirect: false });
    await startBatch(d, b.id);
    const story = {
      username: 'idm_00000',
      outcome: 'story' as const,
      attempts: 1,
      story: { takenAt: new Date(Date.now() - 3600_000), expiresAt: null },
    };
    const first = await recordCheckResult(d, b.id, story);
    const second = await recordCheckResult(d, b.id, story);
    expect(first).toEqual({ applied: true, detection: true });
    expect(second).toEqual({ applied: false, detection: false });
    const again = await Promise.all(
      Array.from({ length: 10 }, () =>
        recordCheckResult(d, b.id, { username: 'idm_00001', outcome: 'no_story', attempts: 1 }),
      ),
    );
    expect(again.filter((r) => r.applied)).toHaveLength(1);
    const profiles =
      await d.sql`select username, total_checks, total_detected, last_detected_at is not null as det
                                 from profiles where username in ('idm_00000', 'idm_00001') order by username`;
    expect(profiles.map((p) => [p.username, p.total_checks, p.total_detected, p.det])).toEqual([
      ['idm_00000', 1, 1, true],
      ['idm_00001', 1, 0, false],
    ]);
    const [det] =
      await d.sql`select count(*)::int as n, max(story_expires_at) as exp from detections where batch_id = ${b.id}`;
    expect(det!.n).toBe(1);
    // Expiry is 24 h after the story was taken, not after we saw it.
    expect(new Date(det!.exp).getTime()).toBe(story.story.takenAt.getTime() + 24 * 3600_000);
    const after = await getBatch(d, b.id);
    expect([after!.checked, after!.stories]).toEqual([2, 1]);
  });

  it('GIVEN a group of mixed answers written at once THEN each counts exactly as if written alone, and the same group again changes nothing', async () => {
    await seedNiche(d.sql, 'Grouped', 7, { prefix: 'grp_' });
    const b = await createBatch(d, { niche: 'grouped', count: 7, trigger: 'manual', allowDirect: false });
    await startBatch(d, b.id);
    // One of them was already recorded (a re-delivered answer must not count twice).
    await recordCheckResult(d, b.id, { username: 'grp_00006', outcome: 'no_story', attempts: 1 });
    const takenAt = new Date(Date.now() - 2 * 3600_000);
    const group = [
      { username: 'grp_00000', outcome: 'story' as const, attempts: 1, story: { takenAt, expiresAt: null } },
      { username: 'grp_00001', outcome: 'no_story' as const, attempts: 2, igUserId: '4242' },
      { username: 'grp_00002', outcome: 'private' as const, attempts: 1 },
      { username: 'grp_00003', outcome: 'not_found' as const, attempts: 1, proxyId: 1 },
      { username: 'grp_00004', outcome: 'rate_limited' as const, attempts: 3 },
      { username: 'grp_00005', outcome: 'transient' as const, attempts: 4 },
      { username: 'grp_00006', outcome: 'story' as const, attempts: 1, story: { takenAt, expiresAt: null } },
      // The same profile twice in one group counts once.
      { username: 'grp_00001', outcome: 'no_story' as const, attempts: 1 },
    ];
    const first = await recordCheckResults(d, b.id, group);
    expect([...first.applied].sort()).toEqual([
      'grp_00000',
      'grp_00001',
      'grp_00002',
      'grp_00003',
      'grp_00004',
      'grp_00005',
    ]);
    expect([...first.detections]).toEqual(['grp_00000']);
    const second = await recordCheckResults(d, b.id, group);
    expect([second.applied.size, second.detections.size]).toEqual([0, 0]);

    const batch = await getBatch(d, b.id);
    expect([batch!.checked, batch!.stories, batch!.private, batch!.notFound, batch!.deleted]).toEqual([
      7, 1, 1, 1, 0,
    ]);
    expect(batch!.errors).toEqual({ rate_limited: 1, transient: 1 });
    const rows = await d.sql<
      Array<{ username: string; checks: number; detected: number; ig: string | null; strikes: number }>
    >`select username, total_checks as checks, total_detected as detected, ig_user_id as ig,
             not_found_strikes as strikes
      from profiles where username like 'grp_%' order by username`;
    expect(rows.map((r) => [r.username, r.checks, r.detected, r.ig, r.strikes])).toEqual([
      ['grp_00000', 1, 1, null, 0],
      ['grp_00001', 1, 0, '4242', 0],
      ['grp_00002', 1, 0, null, 0],
      ['grp_00003', 1, 0, null, 1],
      // Errors teach nothing about the profile: untouched.
      ['grp_00004', 0, 0, null, 0],
      ['grp_00005', 0, 0, null, 0],
      ['grp_00006', 1, 0, null, 0],
    ]);
    const items = await d.sql<Array<{ username: string; attempts: number }>>`
      select username, attempts from batch_items where batch_id = ${b.id} order by username`;
    expect(items.map((i) => i.attempts)).toEqual([1, 2, 1, 1, 3, 4, 1]);
  });

  it('GIVEN error outcomes THEN they count by outcome on the batch and leave the profile untouched', async () => {
    await seedNiche(d.sql, 'Errs', 2, { prefix: 'err_' });
    const b = await createBatch(d, { niche: 'errs', count: 2, trigger: 'manual', allowDirect: false });
    await startBatch(d, b.id);
    await recordCheckResult(d, b.id, { username: 'err_00000', outcome: 'rate_limited', attempts: 3 });
    await recordCheckResult(d, b.id, { username: 'err_00001', outcome: 'rate_limited', attempts: 3 });
    const [p] = await d.sql`select sum(total_checks)::int as n from profiles where username like 'err_%'`;
    expect(p!.n).toBe(0);
    const done = await finishBatch(d, b.id);
    expect(done!.status).toBe('failed');
    expect(done!.errors).toEqual({ rate_limited: 2 });
    expect(done!.failureReason).toMatch(/all 2 checks failed: rate limited 2 \(all proxies rate limited/);
    const ev =
      await d.sql`select data from events where kind = 'batch_statistics' and (data->>'batchId')::int = ${b.id}`;
    expect(ev).toHaveLength(1);
    expect(ev[0]!.data).toMatchObject({ status: 'failed', checked: 2 });
    // Finishing again writes nothing more.
    await finishBatch(d, b.id);
    const ev2 =
      await d.sql`select 1 from events where kind = 'batch_statistics' and (data->>'batchId')::int = ${b.id}`;
    expect(ev2).toHaveLength(1);
  });

  it('GIVEN not-found answers THEN the profile is deleted only when a later one comes through a different proxy', async () => {
    await seedNiche(d.sql, 'Gone', 1, { prefix: 'gone_' });
    const p2 = await seedProxy(d.sql, 3129);
    const b1 = await createBatch(d, { niche: 'gone', count: 1, trigger: 'manual', allowDirect: false });
    await startBatch(d, b1.id);
    await recordCheckResult(d, b1.id, {
      username: 'gone_00000',
      outcome: 'not_found',
      attempts: 1,
      proxyId: 1,
    });
    expect((await finishBatch(d, b1.id))!.notFound).toBe(1);
    const [s1] = await d.sql`select status from profiles where username = 'gone_00000'`;
    expect(s1!.status).toBe('active');
    // Same proxy again: does not confirm, the first strike stands.
    const bSame = await createBatch(d, { niche: 'gone', count: 1, trigger: 'manual', allowDirect: false });
    await startBatch(d, bSame.id);
    await d.sql`update profiles set last_not_found_at = now() - interval '11 minutes' where username = 'gone_00000'`;
    await recordCheckResult(d, bSame.id, {
      username: 'gone_00000',
      outcome: 'not_found',
      attempts: 1,
      proxyId: 1,
    });
    expect((await finishBatch(d, bSame.id))!.deleted).toBe(0);
    const b2 = await createBatch(d, { niche: 'gone', count: 1, trigger: 'manual', allowDirect: false });
    await startBatch(d, b2.id);
    await recordCheckResult(d, b2.id, {
      username: 'gone_00000',
      outcome: 'not_found',
      attempts: 1,
      proxyId: p2,
    });
    const done = await finishBatch(d, b2.id);
    expect([done!.notFound, done!.deleted, done!.status]).toEqual([0, 1, 'completed']);
    const [s2] = await d.sql`select status from profiles where username = 'gone_00000'`;
    expect(s2!.status).toBe('deleted');
  });

  it('GIVEN a pending batch cancelled THEN it is cancelled at once; GIVEN a running one THEN a stop is requested', async () => {
    await seedNiche(d.sql, 'Stop', 4, { prefix: 'stp_' });
    const b = await createBatch(d, { niche: 'stop', count: 2, trigger: 'manual', allowDirect: false });
    const c = await cancelBatch(d, 'STOP');
    expect(c.status).toBe('cancelled');
    const b2 = await createBatch(d, { niche: 'stop', count: 2, trigger: 'manual', allowDirect: false });
    expect(b2.id).not.toBe(b.id);
    await startBatch(d, b2.id);
    const c2 = await cancelBatch(d, `#${b2.id}`);
    expect(c2.status).toBe('in_progress');
    expect(c2.cancelRequestedAt).not.toBeNull();
    expect((await finishBatch(d, b2.id))!.status).toBe('cancelled');
    const err = await cancelBatch(d, 'stop').catch((e) => e);
    expect(err.code).toBe('no_active_batch');
  });
});
