import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/errors.js';
import { commentNotes, importUsernames } from '../../src/core/import/import-usernames.js';
import { parseUsernames } from '../../src/core/import/parse-usernames.js';
import { createNiche } from '../../src/core/niches.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => {
  await deps.close();
});
beforeEach(async () => {
  await deps.sql`truncate profiles, niches, events restart identity cascade`;
  await createNiche(deps, 'fitness');
});

const file = (text: string) => ({ label: 'file names.txt', bytes: Buffer.from(text) });
const noComments = { count: 0, lines: [] };

async function stored(): Promise<string[]> {
  const rows = await deps.sql<{ username: string }[]>`select username from profiles order by username`;
  return rows.map((r) => r.username);
}

describe('never lose #14.18: a free-text line is one malformed entry, " #" starts a comment', () => {
  it('GIVEN the line "bad name!" THEN nothing is added and the whole line is one malformed entry', async () => {
    const p = parseUsernames('bad name!');
    expect(p).toMatchObject({ usernames: [], entries: 1, malformed: 1 });
    expect(p.malformedExamples).toEqual([
      {
        line: 1,
        text: 'bad name!',
        reason: expect.stringMatching(
          /^a line of text, not a list of usernames: .*"name!".*bad character '!'/,
        ),
      },
    ]);
    // The reason also says what a line may hold.
    expect(p.malformedExamples[0]?.reason).toMatch(/separated by spaces, commas or semicolons/);

    let err: unknown;
    await importUsernames(deps, { niche: 'fitness', sources: [file('bad name!\n')] }).catch((e) => {
      err = e;
    });
    expect(isUserError(err) && err.code).toBe('import_no_valid_usernames');
    expect(isUserError(err) && err.details).toMatchObject({
      malformed: 1,
      examples: [{ line: 1, text: 'bad name!' }],
    });
    expect(await stored()).toEqual([]);
  });

  it('GIVEN "ivy_pilates # coach" THEN ivy_pilates is added, coach is not, and the comment is reported', async () => {
    const r = await importUsernames(deps, {
      niche: 'fitness',
      sources: [file('alice\nivy_pilates # coach\n')],
    });
    expect(r).toMatchObject({ added: 2, malformed: 0, entries: 2 });
    expect(r.trailingComments).toEqual([{ source: 'file names.txt', count: 1, lines: [2] }]);
    expect(r.comments).toEqual([]);
    expect(commentNotes(r)).toEqual([
      "file names.txt: line 2: the text after ' #' was read as a comment and not imported.",
    ]);
    expect(await stored()).toEqual(['alice', 'ivy_pilates']);
  });

  it('GIVEN lists of valid names separated by spaces and commas THEN every name is added as before', async () => {
    const r = await importUsernames(deps, {
      niche: 'fitness',
      sources: [file('alice bob, carol\n@dave @erin\nhttps://instagram.com/frank/ instagram.com/gina\n')],
    });
    expect(r).toMatchObject({ added: 7, malformed: 0, entries: 7, comments: [], trailingComments: [] });
    expect(await stored()).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina']);
    expect(parseUsernames('alice bob, carol')).toMatchObject({
      usernames: ['alice', 'bob', 'carol'],
      comments: noComments,
      trailingComments: noComments,
    });
  });

  it('GIVEN a line starting with "#" THEN it is skipped whole and reported as a comment', async () => {
    const p = parseUsernames('#comment line\nalice\n  # indented note\n');
    expect(p).toMatchObject({ usernames: ['alice'], entries: 1, malformed: 0 });
    expect(p.comments).toEqual({ count: 2, lines: [1, 3] });

    const r = await importUsernames(deps, { niche: 'fitness', sources: [file('#comment line\nalice\n')] });
    expect(r).toMatchObject({ added: 1, malformed: 0 });
    expect(commentNotes(r)).toEqual(['file names.txt: skipped 1 comment (starting with #): line 1.']);
    expect(await stored()).toEqual(['alice']);
  });

  it('GIVEN a "#" inside a word (pass#word) THEN it is no comment: the word is malformed as before', () => {
    const p = parseUsernames('alice\npass#word\n');
    expect(p.usernames).toEqual(['alice']);
    expect(p.malformedExamples).toEqual([
      { line: 2, text: 'pass#word', reason: expect.stringMatching(/^bad character '#'/) },
    ]);
    expect(p).toMatchObject({ comments: noComments, trailingComments: noComments });
  });
});

describe('never lose #14.18: the import reply says which lines were comments', () => {
  it('GIVEN a file with a comment line and a trailing comment THEN the reply names both lines', async () => {
    const { renderImportReport } = await import('../../src/bot/commands/import.js');
    const { renderPlain } = await import('../../src/reply/reply.js');
    const { createTestDeps } = await import('../helpers/deps.js');
    const deps = await createTestDeps();
    try {
      const { createNiche } = await import('../../src/core/niches.js');
      await createNiche(deps, 'pilates');
      const report = await importUsernames(deps, {
        niche: 'pilates',
        sources: [{ label: 'file list.txt', bytes: Buffer.from('# my list\nivy_pilates # coach\nbob') }],
      });
      const text = renderPlain({ blocks: renderImportReport(report) });
      console.log(text);
      expect(text).toMatch(/file list\.txt: skipped 1 comment \(starting with #\): line 1\./);
      expect(text).toMatch(/list\.txt: line 2: the text after ' #' was read as a comment and not imported\./);
    } finally {
      await deps.close();
    }
  });
});
