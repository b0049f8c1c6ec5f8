import { z } from 'zod';
import { subscribeDigest, unsubscribeDigest } from '../../core/delivery-targets.js';
import { recordEvent } from '../../core/events.js';
import { reply } from '../../reply/reply.js';
import { type AnyCommand, defineCommand } from './types.js';

export const digestCommands: AnyCommand[] = [
  defineCommand({
    path: ['digest', 'here'],
    summary: 'Send the hourly digest of new stories to this chat',
    chatOnly: true,
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const where = { platform: ctx.actor.platform, chatId: ctx.actor.chatId };
      const result = await subscribeDigest(ctx.core, where);
      if (result.alreadySubscribed)
        return reply.text('This chat already gets the hourly digest.', 'info', where);
      await recordEvent(ctx.core, {
        kind: 'digest',
        message: `Digest turned on for ${where.platform} ${where.chatId}`,
        data: where,
      });
      return reply.success(
        `${result.reenabled ? 'Digest turned back on' : 'Digest turned on'} for this chat: every hour, the usernames whose stories were first seen in that hour, per niche, with today's count against the target.`,
        where,
      );
    },
  }),
  defineCommand({
    path: ['digest', 'off'],
    summary: 'Stop the hourly digest in this chat',
    chatOnly: true,
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const where = { platform: ctx.actor.platform, chatId: ctx.actor.chatId };
      const changed = await unsubscribeDigest(ctx.core, where);
      if (!changed)
        return reply.text('This chat was not getting the digest; nothing changed.', 'info', where);
      await recordEvent(ctx.core, {
        kind: 'digest',
        message: `Digest turned off for ${where.platform} ${where.chatId}`,
        data: where,
      });
      return reply.success('Digest turned off for this chat.', where);
    },
  }),
];
