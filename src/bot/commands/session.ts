import { z } from 'zod';
import { addSession, listSessions, removeSession, SESSION_FORMATS } from '../../core/sessions/index.js';
import { reply, tableBlock, textBlock } from '../../reply/reply.js';
import { type AnyCommand, defineCommand } from './types.js';

const cookieArg = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v.join(' ') : v))
  .refine((v) => v.trim() !== '', `give the cookies: ${SESSION_FORMATS}`);

export const sessionCommands: AnyCommand[] = [
  defineCommand({
    path: ['session', 'list'],
    summary: 'List Instagram sessions (cookies masked)',
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const rows = await listSessions(ctx.core);
      if (rows.length === 0) {
        return reply.text(
          'No Instagram sessions. Without one every profile costs a request; with one, 20 profiles share a request. Add one with `session add sessionid=...; csrftoken=...; ds_user_id=...`.',
          'info',
          { sessions: [] },
        );
      }
      const table = tableBlock(
        ['id', 'account', 'sessionid', 'proxy', 'status', 'last used'],
        rows.map((s) => [
          String(s.id),
          s.dsUserId,
          s.sessionid,
          s.proxyId === null ? '-' : `#${s.proxyId} ${s.proxyAddress ?? ''}`.trim(),
          s.status === 'active' ? 'active' : `${s.status}: ${s.disabledReason ?? ''}`,
          s.lastUsedAt ? s.lastUsedAt.toISOString().slice(0, 16).replace('T', ' ') : '-',
        ]),
      );
      return reply.of([textBlock(`${rows.length} session${rows.length === 1 ? '' : 's'}:`), table], {
        data: { sessions: rows },
        ephemeral: true,
      });
    },
  }),
  defineCommand({
    path: ['session', 'add'],
    summary: 'Add an Instagram session from its cookies (stored encrypted)',
    args: [{ name: 'cookie', description: SESSION_FORMATS, type: 'rest', required: true }],
    schema: z.object({ cookie: cookieArg }),
    sensitive: true,
    async handler(input, ctx) {
      const added = await addSession(ctx.core, input.cookie);
      return reply.success(
        `${added.replaced ? 'Replaced the cookies of' : 'Added'} session #${added.id} (account ${added.dsUserId}). It is stored encrypted and will stick to one proxy.`,
        { id: added.id, dsUserId: added.dsUserId, replaced: added.replaced },
      );
    },
  }),
  defineCommand({
    path: ['session', 'remove'],
    summary: 'Remove an Instagram session by id',
    args: [
      { name: 'id', description: 'The session id (from `session list`)', type: 'string', required: true },
    ],
    schema: z.object({ id: z.string().min(1, 'give a session id') }),
    async handler(input, ctx) {
      const removed = await removeSession(ctx.core, input.id);
      return reply.success(`Removed session #${removed.id} (account ${removed.dsUserId}).`, { removed });
    },
  }),
];
