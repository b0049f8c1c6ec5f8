import { describe, expect, it } from 'vitest';
import { storyFromQuery, storyFromReel } from '../../src/checker/story-state.js';

const now = Date.parse('2026-11-20T12:00:00Z');
const sec = (ms: number) => Math.floor(ms / 1000);
const hoursAgo = (h: number) => sec(now - h * 3600_000);

describe('when a story counts as active', () => {
  it('GIVEN has_public_story false and a reel 25 h old THEN no story', () => {
    expect(
      storyFromQuery(
        { has_public_story: false, reel: { latest_reel_media: hoursAgo(25), expiring_at: null } },
        now,
      ),
    ).toEqual({ outcome: 'no_story' });
  });
  it('GIVEN has_public_story false but a reel 23 h old THEN story with its time', () => {
    const r = storyFromQuery(
      { has_public_story: false, reel: { latest_reel_media: hoursAgo(23), expiring_at: hoursAgo(-1) } },
      now,
    );
    expect(r).toEqual({
      outcome: 'story',
      story: { takenAt: new Date(hoursAgo(23) * 1000), expiresAt: new Date(hoursAgo(-1) * 1000) },
    });
  });
  it('GIVEN has_public_story true without times THEN story with unknown times', () => {
    expect(storyFromQuery({ has_public_story: true, reel: null }, now)).toEqual({
      outcome: 'story',
      story: { takenAt: null, expiresAt: null },
    });
  });
  it('GIVEN an id absent from reels THEN no story; items present THEN story at the newest item', () => {
    expect(storyFromReel(undefined, now)).toEqual({ outcome: 'no_story' });
    const r = storyFromReel(
      {
        latest_reel_media: hoursAgo(2),
        expiring_at: undefined,
        items: [
          { taken_at: hoursAgo(5), expiring_at: hoursAgo(-19) },
          { taken_at: hoursAgo(2), expiring_at: hoursAgo(-22) },
        ],
      },
      now,
    );
    expect(r).toEqual({
      outcome: 'story',
      story: { takenAt: new Date(hoursAgo(2) * 1000), expiresAt: new Date(hoursAgo(-22) * 1000) },
    });
  });
  it('GIVEN a reel without items whose latest media is 30 h old THEN no story', () => {
    expect(storyFromReel({ latest_reel_media: hoursAgo(30), expiring_at: null, items: [] }, now)).toEqual({
      outcome: 'no_story',
    });
  });
});
