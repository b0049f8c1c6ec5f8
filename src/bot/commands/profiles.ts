import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import {
  deleteProfiles,
  describeScope,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportScope,
  exportProfiles,
  listProfiles,
  type MalformedName,
  moveProfiles,
  PROFILE_PAGE_SIZE,
  PROFILE_SORTS,
  PROFILE_STATUSES,
  type ProfileDetail,
  type ProfilePage,
  resolveExportScope,
  SHOWN_CHECKS,
  showProfile,
} from '../../core/profiles/index.js';
import {
  type Block,
  type Button,
  fileOnDiskBlock,
  reply,
  tableBlock,
  textBlock,
  usernamesBlock,
} from '../../reply/reply.js';
import { intArg } from './int-arg.js';
import { type AnyCommand, type ArgSpec, type CommandContext, defineCommand } from './types.js';

/** Text front-ends give the rest of the line as words, Discord as one string: both become a word list. */
const namesArg = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(/[\s,;]+/)).filter((w) => w.trim() !== ''))
  .refine((v) => v.length > 0, 'give at least one username (name, @name or a profile URL)');

const scopeSchema = z
  .string({ error: 'give a niche name or unassigned' })
  .trim()
  .min(1, 'give a niche name or unassigned');

function lowerChoice<T extends readonly [string, ...string[]]>(label: string, choices: T) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(choices, { error: `${label} must be one of ${choices.join(', ')}` }));
}

export function ago(date: Date | null, now: Date): string {
  if (!date) return 'never';
  const s = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** The largest page `profiles list` gives (the page query walks an index, ADR 0002); export streams everything. */
const MAX_PAGE_SIZE = 1000;

function pageButtons(p: ProfilePage): Button[] {
  // The page size is carried only when it is not the default, so the usual buttons stay as they were.
  const size: Record<string, number> = p.pageSize === PROFILE_PAGE_SIZE ? {} : { 'per-page': p.pageSize };
  const args = (page: number) => ({ name: p.scope, status: p.status, sort: p.sort, page, ...size });
  const buttons: Button[] = [];
  if (p.page > 1) buttons.push({ label: 'Previous', command: 'profiles list', args: args(p.page - 1) });
  if (p.page < p.pages) buttons.push({ label: 'Next', command: 'profiles list', args: args(p.page + 1) });
  return buttons;
}

function listNames(title: string, names: readonly string[], max = 30): string {
  return `${title} (${names.length}): ${names.slice(0, max).join(', ')}${names.length > max ? `, ... and ${names.length - max} more` : ''}`;
}

function listMalformed(malformed: readonly MalformedName[]): string {
  const shown = malformed.slice(0, 10).map((m) => `"${m.text}": ${m.reason}`);
  const more = malformed.length > 10 ? `\n... and ${malformed.length - 10} more` : '';
  return `Not usernames, ignored (${malformed.length}):\n${shown.join('\n')}${more}`;
}

/** "in 3 h" for a time ahead (a story's expiry), "expired" once it passed. */
function until(date: Date, now: Date): string {
  const s = Math.round((date.getTime() - now.getTime()) / 1000);
  if (s <= 0) return 'expired';
  if (s < 3600) return `in ${Math.max(1, Math.floor(s / 60))} min`;
  return `in ${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function profileBlocks(p: ProfileDetail, now: Date): Block[] {
  const where = p.niche ? `niche "${p.niche}"` : 'unassigned';
  const strikes =
    p.notFoundStrikes > 0
      ? `${p.notFoundStrikes} (last ${ago(p.lastNotFoundAt, now)}; two in a row mark it deleted)`
      : '0';
  const blocks: Block[] = [
    textBlock(
      [
        `Profile ${p.username}: ${where}, ${p.status}, added ${ago(p.addedAt, now)}.`,
        `Last checked: ${ago(p.lastCheckedAt, now)}. Last story seen: ${ago(p.lastDetectedAt, now)}.`,
        `Checked ${plural(p.totalChecks, 'time')}, a story seen ${plural(p.totalDetected, 'time')}. Not-found strikes: ${strikes}.`,
      ].join('\n'),
    ),
  ];
  if (p.checks.length === 0) blocks.push(textBlock('No checks yet.'));
  else {
    blocks.push(
      textBlock(`Last ${p.checks.length === SHOWN_CHECKS ? SHOWN_CHECKS : p.checks.length} checks:`),
    );
    blocks.push(
      tableBlock(
        ['checked', 'batch', 'niche', 'outcome'],
        p.checks.map((c) => [ago(c.checkedAt, now), `#${c.batchId}`, c.niche, c.outcome]),
      ),
    );
  }
  if (p.stories.length === 0) blocks.push(textBlock('No story seen in the last 24 h.'));
  else {
    blocks.push(textBlock(`Stories seen in the last 24 h (${p.stories.length}):`));
    blocks.push(
      tableBlock(
        ['seen', 'expires'],
        p.stories.map((st) => [ago(st.detectedAt, now), until(st.storyExpiresAt, now)]),
      ),
    );
  }
  return blocks;
}

/** `profiles-fitness-active.csv`: the scope in a file name any platform accepts. */
function exportFileName(scope: ExportScope, format: ExportFormat): string {
  const name =
    scope.scope
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'niche';
  return `profiles-${name}-${scope.status}.${format}`;
}

/** Streams the export into a temporary file (bounded memory); returns its path and the row count. */
async function writeExport(
  ctx: CommandContext,
  scope: ExportScope,
  format: ExportFormat,
): Promise<{ path: string; rows: number }> {
  const path = join(tmpdir(), `storywatch-${randomUUID()}.${format}`);
  let rows = 0;
  const chunks = exportProfiles(ctx.core, scope, format);
  async function* text() {
    for await (const c of chunks) {
      rows += c.rows;
      yield c.text;
    }
  }
  try {
    await pipeline(Readable.from(text()), createWriteStream(path));
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  return { path, rows };
}

/** Which part of the master list: the first two arguments of `profiles list` and `profiles export`. */
const SCOPE_ARGS: ArgSpec[] = [
  {
    name: 'name',
    description: 'A niche name, unassigned, or all (the whole master list)',
    type: 'string',
    required: true,
    autocomplete: 'niche-or-unassigned',
  },
  {
    name: 'status',
    description: 'Which profiles (default active)',
    type: 'string',
    choices: PROFILE_STATUSES,
  },
];

export const profilesCommands: AnyCommand[] = [
  defineCommand({
    path: ['profiles', 'list'],
    summary: 'List profiles of a niche, unassigned or all, 50 per page (per-page up to 1,000)',
    args: [
      ...SCOPE_ARGS,
      {
        name: 'sort',
        description:
          'username (default), checked (last checked), detected (last detected), count (times detected)',
        type: 'string',
        keyword: true,
        choices: PROFILE_SORTS,
      },
      { name: 'page', description: 'Page number (default 1)', type: 'integer', keyword: true, min: 1 },
      {
        name: 'per-page',
        description: `Profiles per page, 1-${MAX_PAGE_SIZE.toLocaleString('en-US')} (default ${PROFILE_PAGE_SIZE}); the whole list at once: profiles export`,
        type: 'integer',
        keyword: true,
        min: 1,
        max: MAX_PAGE_SIZE,
      },
    ],
    schema: z.object({
      name: scopeSchema,
      status: lowerChoice('status', PROFILE_STATUSES).optional(),
      sort: lowerChoice('sort', PROFILE_SORTS).optional(),
      page: intArg('page', 1, 1_000_000).optional(),
      'per-page': intArg('per-page', 1, MAX_PAGE_SIZE).optional(),
    }),
    async handler(input, ctx) {
      const p = await listProfiles(ctx.core, {
        scope: input.name,
        status: input.status,
        sort: input.sort,
        page: input.page,
        pageSize: input['per-page'],
      });
      const where = describeScope(p.scope, p.status);
      // A script reading --json pages on with nextPage until it is null (same sort, same page size).
      const data = { ...p, nextPage: p.page < p.pages ? p.page + 1 : null };
      if (p.total === 0) {
        return reply.text(`No profiles in ${where}.`, 'info', data);
      }
      const first = (p.page - 1) * p.pageSize + 1;
      const header = `Profiles of ${where}, by ${p.sort}: page ${p.page} of ${p.pages} (${first}-${first + p.profiles.length - 1} of ${p.total} profiles).`;
      const now = ctx.core.clock.now();
      const showNiche = p.scope === 'all';
      const blocks: Block[] = [
        textBlock(header),
        usernamesBlock(
          `Usernames, page ${p.page}`,
          p.profiles.map((r) => r.username),
          `profiles-${p.scope}-page-${p.page}.txt`,
        ),
        tableBlock(
          [
            'username',
            ...(showNiche ? ['niche'] : []),
            'status',
            'last checked',
            'last detected',
            'detections',
          ],
          p.profiles.map((r) => [
            r.username,
            ...(showNiche ? [r.niche ?? '-'] : []),
            r.status,
            ago(r.lastCheckedAt, now),
            ago(r.lastDetectedAt, now),
            `${r.totalDetected}/${r.totalChecks}`,
          ]),
        ),
      ];
      return reply.of(blocks, { buttons: pageButtons(p), data });
    },
  }),
  defineCommand({
    path: ['profiles', 'show'],
    summary: 'One profile: niche, status, totals, strikes, its last 10 checks and the stories seen',
    args: [
      { name: 'username', description: 'A username, @name or profile URL', type: 'string', required: true },
    ],
    schema: z.object({
      username: z.string({ error: 'give a username to show' }).trim().min(1, 'give a username to show'),
    }),
    async handler(input, ctx) {
      const p = await showProfile(ctx.core, input.username);
      return reply.of(profileBlocks(p, ctx.core.clock.now()), { data: p });
    },
  }),
  defineCommand({
    path: ['profiles', 'export'],
    summary:
      'The list of a niche, unassigned or all as a file: .txt (one username a line) or .csv (every column)',
    slow: true,
    args: [
      ...SCOPE_ARGS,
      {
        name: 'format',
        description: 'txt: one username a line (default); csv: every master-list column',
        type: 'string',
        choices: EXPORT_FORMATS,
      },
    ],
    schema: z.object({
      name: scopeSchema,
      status: lowerChoice('status', PROFILE_STATUSES).optional(),
      format: lowerChoice('format', EXPORT_FORMATS).optional(),
    }),
    async handler(input, ctx) {
      const scope = await resolveExportScope(ctx.core, input.name, input.status ?? 'active');
      const format = input.format ?? 'txt';
      const where = describeScope(scope.scope, scope.status);
      const { path, rows } = await writeExport(ctx, scope, format);
      const fileName = exportFileName(scope, format);
      const data = { scope: scope.scope, status: scope.status, format, rows, fileName };
      if (rows === 0) {
        await rm(path, { force: true });
        return reply.text(`No profiles in ${where}: nothing to export.`, 'info', data);
      }
      const what = format === 'csv' ? 'CSV, every master-list column' : 'one username a line';
      const caption = `${plural(rows, 'profile')} of ${where} (${what}).`;
      return reply.of([fileOnDiskBlock(fileName, path, caption)], { data });
    },
  }),
  defineCommand({
    path: ['profiles', 'delete'],
    summary: 'Remove profiles from the master list by username',
    args: [
      { name: 'usernames', description: 'Usernames, @names or profile URLs', type: 'rest', required: true },
    ],
    schema: z.object({ usernames: namesArg }),
    async handler(input, ctx) {
      const r = await deleteProfiles(ctx.core, input.usernames);
      const blocks: Block[] = [
        textBlock(
          `Deleted ${r.deleted.length} of ${r.requested.length} profile${r.requested.length === 1 ? '' : 's'}${r.deleted.length > 0 ? ' (their detections went with them)' : ''}.`,
          r.notFound.length + r.malformed.length > 0 ? 'warning' : 'success',
        ),
      ];
      if (r.notFound.length > 0) blocks.push(textBlock(listNames('Not found', r.notFound)));
      if (r.malformed.length > 0) blocks.push(textBlock(listMalformed(r.malformed), 'warning'));
      return reply.of(blocks, { data: r });
    },
  }),
  defineCommand({
    path: ['profiles', 'move'],
    summary: 'Move profiles to a niche (or unassigned) by username',
    args: [
      {
        name: 'name',
        description: 'The niche to move them to, or unassigned',
        type: 'string',
        required: true,
        autocomplete: 'niche-or-unassigned',
      },
      { name: 'usernames', description: 'Usernames, @names or profile URLs', type: 'rest', required: true },
    ],
    schema: z.object({ name: scopeSchema, usernames: namesArg }),
    async handler(input, ctx) {
      const r = await moveProfiles(ctx.core, input.name, input.usernames);
      const to = r.niche === 'unassigned' ? 'unassigned' : `niche "${r.niche}"`;
      const blocks: Block[] = [
        textBlock(
          `Moved ${r.moved.length} of ${r.requested.length} profile${r.requested.length === 1 ? '' : 's'} to ${to}.`,
          r.notFound.length + r.malformed.length > 0 ? 'warning' : 'success',
        ),
      ];
      if (r.alreadyThere.length > 0) blocks.push(textBlock(listNames(`Already in ${to}`, r.alreadyThere)));
      if (r.notFound.length > 0) blocks.push(textBlock(listNames('Not found', r.notFound)));
      if (r.malformed.length > 0) blocks.push(textBlock(listMalformed(r.malformed), 'warning'));
      return reply.of(blocks, { data: r });
    },
  }),
];
