import { z } from 'zod';

/**
 * What the checker reads from Instagram's answers. Objects are loose (Instagram adds fields all the
 * time); only the fields we rely on are required, so a changed shape shows up as `unexpected`.
 */
const idString = z.union([z.string().regex(/^\d{1,30}$/), z.number().int().nonnegative()]).transform(String);
const epochSeconds = z.number().int().nonnegative();

export const profileInfoAnswer = z.object({
  data: z.object({
    user: z
      .object({
        id: idString,
        username: z.string(),
        is_private: z.boolean().optional().default(false),
      })
      .nullable(),
  }),
});

export const storyQueryAnswer = z.object({
  data: z.object({
    user: z
      .object({
        has_public_story: z.boolean().optional().default(false),
        reel: z
          .object({
            latest_reel_media: epochSeconds.nullable().optional(),
            expiring_at: epochSeconds.nullable().optional(),
          })
          .nullable()
          .optional(),
      })
      .nullable(),
  }),
});

const reelItem = z.object({ taken_at: epochSeconds, expiring_at: epochSeconds.optional() });

const reel = z.object({
  latest_reel_media: epochSeconds.nullable().optional(),
  expiring_at: epochSeconds.nullable().optional(),
  items: z.array(reelItem).optional().default([]),
});

export const reelsMediaAnswer = z.object({
  reels: z.record(z.string(), reel),
  status: z.literal('ok').optional(),
});

/** The error bodies of 4xx answers. */
export const failureBody = z.object({
  message: z.string().optional(),
  require_login: z.boolean().optional(),
  status: z.string().optional(),
});

export type ProfileInfoAnswer = z.infer<typeof profileInfoAnswer>;
export type StoryQueryAnswer = z.infer<typeof storyQueryAnswer>;
export type ReelsMediaAnswer = z.infer<typeof reelsMediaAnswer>;
