import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NOT_FOUND_MIN_GAP_MS } from '../../src/core/batches/not-found-rule.js';
import { profiles } from '../../src/core/db/schema/index.js';
import { recordNotFound } from '../helpers/batch-fixtures.js';
import { createTestDeps, ManualClock, type TestDeps } from '../helpers/deps.js';

const clock = new ManualClock(new Date('2026-11-20T10:00:00Z'));
let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps({ clock });
});
afterAll(async () => deps.close());
beforeEach(async () => {
  await deps.db.delete(profiles);
  await deps.db.insert(profiles).values({ username: 'maybe_gone' });
  clock.set(new Date('2026-11-20T10:00:00Z'));
});

const status = async () =>
  (await deps.db.select().from(profiles).where(eq(profiles.username, 'maybe_gone')))[0];

// Through the production path: a batch recording a not_found answer (recordCheckResults).
const strike = (proxyId: number | null, username = 'maybe_gone') => recordNotFound(deps, username, proxyId);

describe('two-strike not_found deletion', () => {
  it('GIVEN one not_found THEN the profile stays active with one strike', async () => {
    expect(await strike(1)).toEqual({
      strikes: 1,
      deleted: false,
    });
    expect(await status()).toMatchObject({ status: 'active', notFoundStrikes: 1, lastNotFoundProxyId: 1 });
  });

  it('GIVEN a second not_found from a different proxy later THEN the profile is marked deleted', async () => {
    await strike(1);
    clock.advance(NOT_FOUND_MIN_GAP_MS);
    expect(await strike(2)).toEqual({
      strikes: 2,
      deleted: true,
    });
    expect((await status())?.status).toBe('deleted');
  });

  it('GIVEN a second not_found from the same proxy THEN it does not count (per-IP false 404s)', async () => {
    await strike(1);
    clock.advance(3 * NOT_FOUND_MIN_GAP_MS);
    expect(await strike(1)).toEqual({
      strikes: 1,
      deleted: false,
    });
    // The first strike stands: a different proxy later still confirms it.
    clock.advance(60_000);
    expect(await strike(3)).toEqual({
      strikes: 2,
      deleted: true,
    });
  });

  it('GIVEN a second not_found from a different proxy at nearly the same time THEN it does not count', async () => {
    await strike(1);
    clock.advance(5_000);
    expect(await strike(2)).toEqual({
      strikes: 1,
      deleted: false,
    });
    expect((await status())?.lastNotFoundAt?.toISOString()).toBe('2026-11-20T10:00:00.000Z');
  });

  it('GIVEN an unknown username THEN null', async () => {
    expect(await strike(1, 'never_there')).toBeNull();
  });
});
