import { z } from 'zod';
import {
  getSettings,
  RATE_LIMITS,
  RETENTION_KINDS,
  RETENTION_LIMITS,
  SELECTION_POLICIES,
  setProfilesPerMinute,
  setRetention,
  setSelectionPolicy,
  setThreads,
  THREAD_LIMITS,
} from '../../core/settings.js';
import { reply, tableBlock, textBlock } from '../../reply/reply.js';
import { intArg } from './int-arg.js';
import { type AnyCommand, defineCommand } from './types.js';

export const settingsCommands: AnyCommand[] = [
  defineCommand({
    path: ['settings', 'show'],
    summary: 'Show the check rate, thread count, selection policy and how long history is kept',
    args: [],
    schema: z.object({}),
    async handler(_input, ctx) {
      const s = await getSettings(ctx.core);
      const days = `${RETENTION_LIMITS.min}-${RETENTION_LIMITS.max}`;
      return reply.of(
        [
          textBlock('Settings:'),
          tableBlock(
            ['setting', 'value', 'accepted'],
            [
              ['profiles per minute', String(s.profilesPerMinute), `${RATE_LIMITS.min}-${RATE_LIMITS.max}`],
              ['threads', String(s.threads), `${THREAD_LIMITS.min}-${THREAD_LIMITS.max}`],
              ['selection policy', s.selectionPolicy, SELECTION_POLICIES.join(', ')],
              ['keep batches (days)', String(s.keepBatchesDays), days],
              ['keep events (days)', String(s.keepEventsDays), days],
              ['keep deliveries (days)', String(s.keepDeliveriesDays), days],
            ],
          ),
        ],
        { data: { settings: s } },
      );
    },
  }),
  defineCommand({
    path: ['settings', 'rate'],
    summary: `Set how many profiles are checked per minute (${RATE_LIMITS.min}-${RATE_LIMITS.max})`,
    args: [
      {
        name: 'perMinute',
        description: `Profiles per minute, ${RATE_LIMITS.min}-${RATE_LIMITS.max}`,
        type: 'integer',
        required: true,
        min: RATE_LIMITS.min,
        max: RATE_LIMITS.max,
      },
    ],
    schema: z.object({ perMinute: intArg('profiles per minute', RATE_LIMITS.min, RATE_LIMITS.max) }),
    async handler(input, ctx) {
      const r = await setProfilesPerMinute(ctx.core, input.perMinute);
      return reply.success(
        `Profiles per minute set to ${r.settings.profilesPerMinute} (was ${r.previous}); running batches pick it up within a minute.`,
        r,
      );
    },
  }),
  defineCommand({
    path: ['settings', 'threads'],
    summary: `Set how many checks run at once (${THREAD_LIMITS.min}-${THREAD_LIMITS.max})`,
    args: [
      {
        name: 'threads',
        description: `Checks at once, ${THREAD_LIMITS.min}-${THREAD_LIMITS.max}`,
        type: 'integer',
        required: true,
        min: THREAD_LIMITS.min,
        max: THREAD_LIMITS.max,
      },
    ],
    schema: z.object({ threads: intArg('threads', THREAD_LIMITS.min, THREAD_LIMITS.max) }),
    async handler(input, ctx) {
      const r = await setThreads(ctx.core, input.threads);
      return reply.success(
        `Threads set to ${r.settings.threads} (was ${r.previous}); running batches pick it up within a minute.`,
        r,
      );
    },
  }),
  defineCommand({
    path: ['settings', 'policy'],
    summary:
      'Choose how batches pick profiles: yield (most stories per check) or oldest (longest unchecked first)',
    args: [
      {
        name: 'policy',
        description: 'yield or oldest',
        type: 'string',
        required: true,
        choices: SELECTION_POLICIES,
      },
    ],
    schema: z.object({ policy: z.string({ error: 'policy is required: yield or oldest' }) }),
    async handler(input, ctx) {
      const r = await setSelectionPolicy(ctx.core, input.policy);
      return reply.success(
        `Selection policy set to ${r.settings.selectionPolicy} (was ${r.previous}); it applies to batches created from now on.`,
        r,
      );
    },
  }),
  defineCommand({
    path: ['settings', 'retention'],
    summary: `Set how many days finished batches, events or sent deliveries are kept (${RETENTION_LIMITS.min}-${RETENTION_LIMITS.max})`,
    args: [
      {
        name: 'kind',
        description: 'batches, events or deliveries',
        type: 'string',
        required: true,
        choices: RETENTION_KINDS,
      },
      {
        name: 'days',
        description: `Days to keep, ${RETENTION_LIMITS.min}-${RETENTION_LIMITS.max}`,
        type: 'integer',
        required: true,
        min: RETENTION_LIMITS.min,
        max: RETENTION_LIMITS.max,
      },
    ],
    schema: z.object({
      kind: z.string({ error: `kind is required: ${RETENTION_KINDS.join(', ')}` }),
      days: intArg('days to keep', RETENTION_LIMITS.min, RETENTION_LIMITS.max),
    }),
    async handler(input, ctx) {
      const r = await setRetention(ctx.core, input.kind, input.days);
      const what =
        r.kind === 'batches'
          ? 'Finished batches and their items'
          : r.kind === 'events'
            ? 'Events'
            : 'Sent and failed deliveries';
      return reply.success(
        `${what} are now kept ${input.days} days (was ${r.previous}); older ones are removed at the next purge, within minutes.`,
        r,
      );
    },
  }),
];
