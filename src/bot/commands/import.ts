import { z } from 'zod';
import { UserError } from '../../core/errors.js';
import { MAX_ROW_LINES } from '../../core/import/csv-header.js';
import {
  commentNotes,
  type ImportProgress,
  type ImportReport,
  type ImportSource,
  importUsernames,
} from '../../core/import/import-usernames.js';
import { type Block, reply, tableBlock, textBlock } from '../../reply/reply.js';
import { type AnyCommand, defineCommand, type IncomingFile } from './types.js';

export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;
const TEXT_EXTENSIONS = ['.txt', '.csv', '.text'];
/** Magic numbers of the files operators attach by mistake (images, PDFs, archives, office files). */
const BINARY_SIGNATURES: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG image', [0xff, 0xd8, 0xff]],
  ['GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['PDF', [0x25, 0x50, 0x44, 0x46]],
  ['ZIP archive or Office document', [0x50, 0x4b, 0x03, 0x04]],
  ['gzip archive', [0x1f, 0x8b]],
  ['RIFF/WebP media', [0x52, 0x49, 0x46, 0x46]],
];

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/** Refuses what cannot be a list of names before reading more than the size says. */
function checkFileHeader(file: IncomingFile): void {
  const dot = file.name.lastIndexOf('.');
  const ext = dot === -1 ? '' : file.name.slice(dot).toLowerCase();
  // No extension (a pasted file on some clients) is judged by its content alone.
  if (ext !== '' && !TEXT_EXTENSIONS.includes(ext)) {
    throw new UserError(
      'import_not_text',
      `"${file.name}" is not a text file; send a .txt or .csv file (UTF-8 or UTF-16), or type the usernames after the niche name.`,
    );
  }
  if (file.size > IMPORT_MAX_BYTES) {
    throw new UserError(
      'import_too_large',
      `"${file.name}" is ${formatBytes(file.size)}; the limit is 20 MB (about 1,000,000 usernames). Split it into smaller files.`,
    );
  }
}

async function readFileSource(file: IncomingFile): Promise<ImportSource> {
  checkFileHeader(file);
  const bytes = await file.read();
  if (bytes.length > IMPORT_MAX_BYTES) {
    throw new UserError('import_too_large', `"${file.name}" is over 20 MB; split it into smaller files.`);
  }
  for (const [what, sig] of BINARY_SIGNATURES) {
    if (sig.every((b, i) => bytes[i] === b)) {
      throw new UserError(
        'import_not_text',
        `"${file.name}" is a ${what}, not a text file; send a .txt file with one or more usernames per line.`,
      );
    }
  }
  return { label: `file ${file.name}`, bytes };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** "3 moved here from unassigned, " when the import claimed unassigned profiles; nothing otherwise. */
function moved(r: ImportReport): string {
  if (r.movedFromUnassigned === 0) return '';
  const more = r.movedFromUnassigned > r.movedExamples.length ? ', ...' : '';
  return `${r.movedFromUnassigned.toLocaleString('en-US')} moved here from unassigned (${r.movedExamples.join(', ')}${more}), `;
}

export function renderImportReport(r: ImportReport): Block[] {
  const blocks: Block[] = [
    textBlock(
      `Import into ${r.niche}: ${plural(r.added, 'profile')} added, ${moved(r)}${r.alreadyPresent.toLocaleString('en-US')} already present, ` +
        `${r.repeated.toLocaleString('en-US')} repeated in the input, ${r.malformed.toLocaleString('en-US')} malformed.`,
      r.added + r.movedFromUnassigned > 0 ? 'success' : 'info',
    ),
  ];
  for (const note of commentNotes(r)) blocks.push(textBlock(note));
  const from = (source: string) => (r.headers.length + r.freeTextRows.length > 1 ? `${source}: ` : '');
  for (const h of r.headers) {
    if (h.columns === 1) {
      blocks.push(textBlock(`${from(h.source)}Header line ${h.line} ("${h.column}") skipped.`));
      continue;
    }
    const others = h.others.map((c) => `"${c}"`).join(', ');
    const n = h.others.length;
    blocks.push(
      textBlock(
        `${from(h.source)}Read only the column "${h.column}" of a CSV with ${h.columns} columns; the other ` +
          `${n === 1 ? `column (${others}) was` : `${n} columns (${others}) were`} not imported; header line ${h.line} skipped.`,
      ),
    );
    if (h.otherProfiles > 0 && h.otherProfileExample) {
      const e = h.otherProfileExample;
      blocks.push(
        textBlock(
          `${from(h.source)}${plural(h.otherProfiles, 'cell')} of the other columns ${h.otherProfiles === 1 ? 'names' : 'name'} ` +
            `a different profile (an @name or Instagram link, e.g. line ${e.line} "${e.text}") and ` +
            `${h.otherProfiles === 1 ? 'was' : 'were'} not imported; to import them, send that column as its own file.`,
          'warning',
        ),
      );
    }
    if (h.unclosedQuoteLine !== null) {
      blocks.push(
        textBlock(
          `${from(h.source)}Line ${h.unclosedQuoteLine} opens a quoted cell (") that is not closed within ${MAX_ROW_LINES} ` +
            'lines or by the end of the file; it was read as a row by itself, and the lines after it as rows.',
          'warning',
        ),
      );
    }
  }
  for (const f of r.freeTextRows) {
    blocks.push(
      textBlock(
        `${from(f.source)}Line ${f.line} looks like a CSV row with free text in a cell ("${f.cell}"), and the ` +
          'file has no header line, so every word of every cell was read as a username. If one column holds ' +
          'the usernames, add a header line naming it (e.g. username,full_name) and import again.',
        'warning',
      ),
    );
  }
  if (r.alreadyPresentByNiche.length > 0) {
    blocks.push(
      textBlock('Already present (left where they are):'),
      tableBlock(
        ['niche', 'profiles', 'e.g.'],
        r.alreadyPresentByNiche.map((g) => [
          g.niche ?? '(unassigned)',
          g.deleted > 0
            ? `${g.count.toLocaleString('en-US')} (${g.deleted} deleted)`
            : g.count.toLocaleString('en-US'),
          g.examples.join(', '),
        ]),
      ),
    );
  }
  if (r.malformedExamples.length > 0) {
    const more =
      r.malformed > r.malformedExamples.length
        ? ` (first ${r.malformedExamples.length} of ${r.malformed})`
        : '';
    blocks.push(
      textBlock(`Malformed entries, ignored${more}:`, 'warning'),
      tableBlock(
        ['where', 'entry', 'why'],
        r.malformedExamples.map((m) => [
          `${m.source.startsWith('file ') ? '' : `${m.source} `}line ${m.line}`,
          m.text,
          m.reason,
        ]),
      ),
    );
  }
  return blocks;
}

const fileSchema = z.custom<IncomingFile>(
  (v) => typeof v === 'object' && v !== null && typeof (v as IncomingFile).read === 'function',
  'expected an uploaded file',
);

export const importCommands: AnyCommand[] = [
  defineCommand({
    path: ['import'],
    summary:
      "Add usernames from a .txt file and/or typed to a niche (unassigned ones join it; other niches' stay)",
    slow: true,
    args: [
      {
        name: 'niche',
        description: 'The niche the new profiles join',
        type: 'string',
        required: true,
        autocomplete: 'niche',
      },
      {
        name: 'usernames',
        description: 'Usernames, @names or profile links, separated by spaces, commas or semicolons',
        type: 'rest',
      },
      { name: 'file', description: 'A .txt/.csv file, UTF-8 or UTF-16, up to 20 MB', type: 'file' },
    ],
    schema: z
      .object({
        niche: z.string({ error: 'give the niche name' }).trim().min(1, 'give the niche name'),
        usernames: z.array(z.string()).optional(),
        file: fileSchema.optional(),
      })
      .refine((v) => v.file !== undefined || (v.usernames?.length ?? 0) > 0, {
        message: 'attach a .txt file or type the usernames after the niche name',
        path: ['usernames'],
      }),
    async handler(input, ctx) {
      const sources: ImportSource[] = [];
      if (input.file) sources.push(await readFileSource(input.file));
      if (input.usernames && input.usernames.length > 0) {
        sources.push({ label: 'typed names', text: input.usernames.join(' ') });
      }
      const told = ctx.onProgress;
      const report = await importUsernames(ctx.core, {
        niche: input.niche,
        sources,
        ...(told
          ? {
              onProgress: (p: ImportProgress) =>
                told({ what: `Importing into ${p.niche}`, done: p.done, total: p.total, unit: 'usernames' }),
            }
          : {}),
      });
      return reply.of(renderImportReport(report), { data: report });
    },
  }),
];
