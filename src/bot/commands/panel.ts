import { z } from 'zod';
import { createLoginToken, LOGIN_LINK_TTL_MS, revokeAllPanelAccess } from '../../core/panel/index.js';
import { reply } from '../../reply/reply.js';
import { type AnyCommand, defineCommand } from './types.js';

export const panelCommands: AnyCommand[] = [
  defineCommand({
    path: ['panel'],
    summary: 'A one-time link to the web panel, valid 10 minutes (shown only to you)',
    args: [],
    schema: z.object({}),
    // The link logs whoever opens it in: ephemeral on Discord, like a credential.
    sensitive: true,
    async handler(_input, ctx) {
      const base = ctx.services.panelUrl;
      if (!base) {
        return reply.error(
          'The web panel is not served by this setup: it needs the web role (on with bot) and HTTP_PORT other than 0. Set STORYWATCH_PUBLIC_URL to the address you open it at.',
        );
      }
      // In a Telegram group everyone would see the link; a private chat with the bot is the owner's own.
      if (ctx.actor.platform === 'telegram' && ctx.actor.chatId !== ctx.actor.userId) {
        return reply.error(
          'Ask for the panel link in a private chat with the bot: in a group anyone could open it.',
        );
      }
      const { token, expiresAt } = await createLoginToken(ctx.core, {
        userId: ctx.actor.userId,
        platform: ctx.actor.platform,
      });
      const link = `${base}/panel/login?token=${token}`;
      const minutes = Math.round(LOGIN_LINK_TTL_MS / 60_000);
      return reply.text(
        `Open the web panel: ${link}\nThe link works once, for ${minutes} minutes (until ${expiresAt.toISOString().slice(11, 16)} UTC). \`panel logout all\` ends every panel session.`,
        'info',
        { expiresAt: expiresAt.toISOString() },
      );
    },
  }),
  defineCommand({
    path: ['panel', 'logout'],
    summary: 'End every web panel session and unused login link (panel logout all)',
    args: [{ name: 'scope', description: 'all', type: 'string', required: true, choices: ['all'] }],
    schema: z.object({
      scope: z
        .string({ error: 'write `panel logout all`' })
        .trim()
        .toLowerCase()
        .pipe(z.literal('all', { error: 'write `panel logout all` (every session ends)' })),
    }),
    async handler(_input, ctx) {
      const { sessions, links } = await revokeAllPanelAccess(ctx.core);
      return reply.success(
        `Logged out of the web panel everywhere: ${sessions} session${sessions === 1 ? '' : 's'} ended, ${links} unused login link${links === 1 ? '' : 's'} cancelled. Send \`panel\` for a new link.`,
        { sessions, links },
      );
    },
  }),
];
