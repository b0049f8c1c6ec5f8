import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/bot/commands/dispatch.js';
import { renderImportReport } from '../../src/bot/commands/import.js';
import { parseWords, splitWords } from '../../src/bot/commands/parse-words.js';
import { findCommand } from '../../src/bot/commands/registry.js';
import type { IncomingFile } from '../../src/bot/commands/types.js';
import { isUserError } from '../../src/core/errors.js';
import { type ImportReport, importUsernames } from '../../src/core/import/import-usernames.js';
import { createNiche } from '../../src/core/niches.js';
import { countProfiles } from '../../src/core/profiles/profile-counts.js';
import { renderPlain } from '../../src/reply/reply.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps({ max: 12 });
});
afterAll(async () => {
  await deps.close();
});
beforeEach(async () => {
  await deps.sql`truncate profiles, niches, events restart identity cascade`;
  await createNiche(deps, 'fitness');
  await createNiche(deps, 'Food');
});

const file = (text: string) => ({ label: 'file names.txt', bytes: Buffer.from(text) });

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isUserError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

async function rows(): Promise<Array<{ username: string; niche: string | null }>> {
  return deps.sql`select p.username, n.name as niche from profiles p left join niches n on n.id = p.niche_id order by p.username`;
}

describe('importUsernames', () => {
  it('GIVEN a file with new, repeated and malformed entries THEN reports each count and stores the new names', async () => {
    const r = await importUsernames(deps, {
      niche: 'FITNESS',
      sources: [
        file('\ufeff@Alice\r\nbob, carol;dave\nhttps://www.instagram.com/Eve/?hl=en\nbad-name\nalice\n..x\n'),
      ],
    });
    expect(r).toMatchObject({
      niche: 'fitness',
      added: 5,
      alreadyPresent: 0,
      alreadyPresentByNiche: [],
      repeated: 1,
      malformed: 2,
      entries: 8,
      lines: 6,
    });
    expect(r.malformedExamples).toEqual([
      {
        source: 'file names.txt',
        line: 4,
        text: 'bad-name',
        reason: expect.stringContaining("bad character '-'"),
      },
      { source: 'file names.txt', line: 6, text: '..x', reason: "starts with '.'" },
    ]);
    expect(await rows()).toEqual(
      ['alice', 'bob', 'carol', 'dave', 'eve'].map((username) => ({ username, niche: 'fitness' })),
    );
  });

  it('GIVEN names in other niches, unassigned and deleted THEN claims the unassigned ones and leaves the rest where they are', async () => {
    await importUsernames(deps, { niche: 'Food', sources: [file('f1 f2 f3 f4 f5')] });
    await importUsernames(deps, { niche: 'fitness', sources: [file('g1 g2')] });
    await deps.sql`update profiles set niche_id = null where username in ('f4', 'f5', 'g2')`;
    await deps.sql`update profiles set status = 'deleted' where username in ('f2', 'f5')`;
    const r = await importUsernames(deps, {
      niche: 'fitness',
      sources: [file('f1 f2 f3 f4 f5 g1 g2 new1 new2')],
    });
    expect(r.added).toBe(2);
    expect(r.movedFromUnassigned).toBe(2);
    expect(r.movedExamples).toEqual(['f4', 'g2']);
    expect(r.alreadyPresent).toBe(5);
    expect(r.alreadyPresentByNiche).toEqual([
      { niche: 'Food', count: 3, deleted: 1, examples: ['f1', 'f2', 'f3'] },
      { niche: 'fitness', count: 1, deleted: 0, examples: ['g1'] },
      { niche: null, count: 1, deleted: 1, examples: ['f5'] },
    ]);
    const byName = Object.fromEntries((await rows()).map((x) => [x.username, x.niche]));
    expect(byName).toEqual({
      f1: 'Food',
      f2: 'Food',
      f3: 'Food',
      f4: 'fitness',
      f5: null,
      g1: 'fitness',
      g2: 'fitness',
      new1: 'fitness',
      new2: 'fitness',
    });
    // The trigger-kept counts that niche list and stats read follow the move.
    const fitnessId =
      (await deps.sql<{ id: number }[]>`select id from niches where name = 'fitness'`)[0]?.id ?? -1;
    expect(await countProfiles(deps, fitnessId, 'all')).toBe(5);
    expect(await countProfiles(deps, 0, 'all')).toBe(1);
    const text = renderPlain({ blocks: renderImportReport(r) });
    expect(text).toContain(
      'Import into fitness: 2 profiles added, 2 moved here from unassigned (f4, g2), 5 already present, 0 repeated in the input, 0 malformed.',
    );
    expect(text).toMatch(/\(unassigned\) +1 \(1 deleted\) +f5/);
    const [event] = await deps.sql<{ message: string }[]>`
      select message from events where kind = 'import' order by id desc limit 1`;
    expect(event?.message).toBe(
      'Import into fitness: 2 added, 2 moved here from unassigned, 5 already present, 0 repeated, 0 malformed',
    );
  });

  it('GIVEN a file and typed names THEN both are imported and a name in both counts once', async () => {
    const r = await importUsernames(deps, {
      niche: 'fitness',
      sources: [file('a\nb\n'), { label: 'typed names', text: 'b c bad!' }],
    });
    expect(r).toMatchObject({ added: 3, repeated: 1, malformed: 1 });
    expect(r.malformedExamples[0]).toMatchObject({ source: 'typed names', line: 1, text: 'bad!' });
  });

  it('GIVEN an import THEN an import event holds the numbers', async () => {
    await importUsernames(deps, { niche: 'fitness', sources: [file('a b b\nx-y')] });
    const [event] = await deps.sql<{ kind: string; message: string; data: Record<string, unknown> }[]>`
      select kind, message, data from events where kind = 'import'`;
    expect(event?.message).toBe('Import into fitness: 2 added, 0 already present, 1 repeated, 1 malformed');
    expect(event?.data).toMatchObject({
      niche: 'fitness',
      added: 2,
      alreadyPresent: 0,
      repeated: 1,
      malformed: 1,
    });
  });

  it('GIVEN an unknown niche THEN refuses and lists the niches', async () => {
    const r = await refusal(importUsernames(deps, { niche: 'travel', sources: [file('a')] }));
    expect(r).toEqual({
      code: 'niche_not_found',
      message: 'No niche named "travel"; niches are: fitness, Food.',
    });
  });

  it('GIVEN an empty file THEN refuses it and adds nothing', async () => {
    const r = await refusal(importUsernames(deps, { niche: 'fitness', sources: [file('')] }));
    expect(r).toEqual({ code: 'import_empty', message: 'file names.txt is empty; nothing was imported.' });
    const blank = await refusal(importUsernames(deps, { niche: 'fitness', sources: [file('\n \r\n')] }));
    expect(blank.message).toBe('file names.txt has no entries (only blank lines); nothing was imported.');
    expect(await rows()).toEqual([]);
  });

  it('GIVEN a file with no valid usernames THEN says what was seen', async () => {
    const r = await refusal(importUsernames(deps, { niche: 'fitness', sources: [file('bad-one\n.dot\n')] }));
    expect(r.code).toBe('import_no_valid_usernames');
    expect(r.message).toContain('No valid usernames in file names.txt: 2 entries on 2 lines, all malformed');
    expect(r.message).toContain('line 1 "bad-one": bad character');
    expect(r.message).toContain(`line 2 ".dot": starts with '.'`);
  });

  it('GIVEN a binary file THEN refuses it before touching the list', async () => {
    const r = await refusal(
      importUsernames(deps, { niche: 'fitness', sources: [{ label: 'x', bytes: Buffer.from([1, 0, 2]) }] }),
    );
    expect(r.code).toBe('import_not_text');
    expect(await rows()).toEqual([]);
  });

  it('GIVEN 66,000 names in one import THEN all go in (no 65,535-parameter limit)', async () => {
    const names = Array.from({ length: 66_000 }, (_, i) => `bulk_${i}`);
    const r = await importUsernames(deps, { niche: 'fitness', sources: [file(names.join('\n'))] });
    expect(r).toMatchObject({ added: 66_000, alreadyPresent: 0, repeated: 0, malformed: 0, lines: 66_000 });
    const [count] = await deps.sql<{ n: number }[]>`select count(*)::int as n from profiles`;
    expect(count?.n).toBe(66_000);
  });

  it('GIVEN 6 concurrent imports of overlapping files THEN every name is stored once and the reports add up', async () => {
    const names = Array.from({ length: 3000 }, (_, i) => `n${String(i).padStart(5, '0')}`);
    // Import k takes a window of 1,500 names starting at k*300 in its own shuffled order.
    const files = Array.from({ length: 6 }, (_, k) => {
      const mine = names.slice(k * 300, k * 300 + 1500);
      for (let i = mine.length - 1; i > 0; i--) {
        const j = (i * 7919 + k) % (i + 1);
        [mine[i], mine[j]] = [mine[j] as string, mine[i] as string];
      }
      return mine;
    });
    const expected = new Set(files.flat());
    const reports: ImportReport[] = await Promise.all(
      files.map((f, k) =>
        importUsernames(deps, { niche: k % 2 === 0 ? 'fitness' : 'Food', sources: [file(f.join('\n'))] }),
      ),
    );
    const stored = await rows();
    expect(stored.length).toBe(expected.size);
    expect(new Set(stored.map((s) => s.username))).toEqual(expected);
    expect(reports.reduce((sum, r) => sum + r.added, 0)).toBe(expected.size);
    for (const [k, r] of reports.entries()) {
      expect(r.added + r.alreadyPresent).toBe(files[k]?.length);
      expect(r.alreadyPresentByNiche.reduce((s, g) => s + g.count, 0)).toBe(r.alreadyPresent);
    }
    // Counted per niche across the reports: what each added is where it stayed.
    const addedTo = { fitness: 0, Food: 0 };
    for (const r of reports) addedTo[r.niche as 'fitness' | 'Food'] += r.added;
    expect(stored.filter((s) => s.niche === 'fitness').length).toBe(addedTo.fitness);
    expect(stored.filter((s) => s.niche === 'Food').length).toBe(addedTo.Food);
  });
});

function incoming(name: string, content: Buffer | string, size?: number): IncomingFile {
  const bytes = Buffer.from(content);
  return { name, size: size ?? bytes.length, read: async () => bytes };
}

describe('import command', () => {
  // As a chat front-end does it: words through parseWords, the upload as the invocation's file.
  const runImport = async (line: string, f?: IncomingFile) => {
    const words = splitWords(line);
    const found = findCommand(words);
    if (!found) throw new Error(`no command for ${line}`);
    const { values, unexpected } = parseWords(found.command, words.slice(found.consumed));
    const reply = await dispatch(
      { command: found.command, values, unexpected, ...(f ? { file: f } : {}) },
      {
        core: deps,
        actor: { platform: 'telegram', userId: 'tester', chatId: 'c1', commandPrefix: '/' },
        services: {},
      },
    );
    return { reply, text: renderPlain(reply) };
  };

  it('GIVEN a .txt file THEN replies with the report and the numbers as data', async () => {
    await importUsernames(deps, { niche: 'Food', sources: [file('old1')] });
    const { reply, text } = await runImport('import fitness', incoming('names.txt', 'a\nold1\na\nbad-x\n'));
    expect(text).toContain(
      'Import into fitness: 1 profile added, 1 already present, 1 repeated in the input, 1 malformed.',
    );
    expect(text).toMatch(/Food\s+1\s+old1/);
    expect(text).toMatch(/line 4\s+bad-x\s+bad character '-'/);
    expect(reply.data).toMatchObject({ added: 1, alreadyPresent: 1, repeated: 1, malformed: 1 });
  });

  it('GIVEN typed usernames and no file THEN imports them', async () => {
    const { reply } = await runImport('import fitness @One two,three https://instagram.com/four/');
    expect(reply.data).toMatchObject({ added: 4, malformed: 0 });
  });

  it('GIVEN neither file nor names THEN says what to give', async () => {
    const { text } = await runImport('import fitness');
    expect(text).toContain('Attach a .txt file or type the usernames after the niche name');
    expect(text).toContain('Usage: /import NICHE [USERNAMES...] [<.txt file>]');
  });

  it('GIVEN a file that is not .txt/.csv THEN refuses it by name', async () => {
    const { text } = await runImport('import fitness', incoming('photo.jpg', 'a'));
    expect(text).toBe(
      'Error: "photo.jpg" is not a text file; send a .txt or .csv file (UTF-8 or UTF-16), or type the usernames after the niche name.',
    );
  });

  it('GIVEN a file without an extension THEN judges it by its content', async () => {
    const ok = await runImport('import fitness', incoming('names', 'alpha\nbeta\n'));
    expect(ok.reply.data).toMatchObject({ added: 2 });
    const binary = await runImport('import fitness', incoming('blob', Buffer.from([0x41, 0x00, 0x42])));
    expect(binary.text).toContain('Error: The file looks binary (a NUL byte at offset 1)');
  });

  it('GIVEN a .txt that is really a PNG THEN refuses it by its content', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    const { text } = await runImport('import fitness', incoming('names.txt', png));
    expect(text).toContain('"names.txt" is a PNG image, not a text file');
  });

  it('GIVEN a .csv export with a header THEN imports only the username column and says so', async () => {
    const csv =
      'username,full_name,followers\r\nnatgeo,National Geographic,280000000\r\nnasa,"NASA, space",1\r\n';
    const { reply, text } = await runImport('import fitness', incoming('export.csv', csv));
    expect(text).toContain(
      'Import into fitness: 2 profiles added, 0 already present, 0 repeated in the input, 0 malformed.',
    );
    expect(text).toContain(
      'Read only the column "username" of a CSV with 3 columns; the other 2 columns ("full_name", "followers") were not imported; header line 1 skipped.',
    );
    expect(reply.data).toMatchObject({
      added: 2,
      malformed: 0,
      entries: 2,
      lines: 3,
      headers: [{ source: 'file export.csv', line: 1, column: 'username', index: 0, columns: 3 }],
      freeTextRows: [],
    });
    expect(await rows()).toEqual(['nasa', 'natgeo'].map((username) => ({ username, niche: 'fitness' })));
  });

  it('GIVEN a list under a lone "username" line THEN the line is skipped and reported', async () => {
    const { text } = await runImport('import fitness', incoming('list.txt', 'username\nalice\nbob\n'));
    expect(text).toContain('2 profiles added');
    expect(text).toContain('Header line 1 ("username") skipped.');
    expect((await rows()).map((r) => r.username)).toEqual(['alice', 'bob']);
  });

  it('GIVEN "username" typed after the niche THEN it is a name, not a header', async () => {
    const { reply, text } = await runImport('import fitness username');
    expect(reply.data).toMatchObject({ added: 1, headers: [] });
    expect(text).not.toContain('skipped');
    expect((await rows()).map((r) => r.username)).toEqual(['username']);
  });

  it('GIVEN a CSV without a header and a full name in a cell THEN imports the words and warns', async () => {
    const { text } = await runImport('import fitness', incoming('x.csv', 'natgeo,National Geographic\n'));
    expect(text).toContain('3 profiles added');
    expect(text).toContain(
      'Line 1 looks like a CSV row with free text in a cell ("National Geographic"), and the file has no header line',
    );
    expect(text).toContain('add a header line naming it (e.g. username,full_name)');
  });

  it('GIVEN a CSV with only its header or no valid name in the column THEN refuses and names the column', async () => {
    const only = await runImport('import fitness', incoming('h.csv', 'username,full_name\n'));
    expect(only.text).toBe(
      'Error: file h.csv has only a header line (line 1, "username") and no usernames under it; nothing was imported.',
    );
    const bad = await runImport('import fitness', incoming('b.csv', 'name,ig\nAlice,alice-x\n'));
    expect(bad.text).toContain('No valid usernames in file b.csv (read the column "ig"): 1 entry');
    expect(await rows()).toEqual([]);
  });

  it('GIVEN links to highlights, stories and other instagram.com pages THEN none is stored and each is reported', async () => {
    const links = [
      'https://www.instagram.com/stories/highlights/17912345678901234/',
      'https://www.instagram.com/stories/',
      'https://www.instagram.com/explore/locations/123/paris/',
      'https://www.instagram.com/challenge/',
      'https://www.instagram.com/threads/',
      'https://www.instagram.com/natgeo/p/Cxyz123/',
      'https://www.instagram.com/stories/nasa/3141592653/',
    ];
    const { reply, text } = await runImport('import fitness', incoming('links.txt', links.join('\n')));
    expect(reply.data).toMatchObject({ added: 2, malformed: 5 });
    expect(text).toMatch(
      /line 1\s+\S+\s+an Instagram URL to \/stories\/highlights\/ \(a story highlight\), not a profile/,
    );
    expect(text).toMatch(/line 2\s+\S+\s+an Instagram URL to \/stories\/ \(stories, without a username\)/);
    expect(text).toMatch(/line 3\s+\S+\s+an Instagram URL to \/explore\//);
    expect(text).toMatch(/line 4\s+\S+\s+an Instagram URL to \/challenge\//);
    expect(text).toMatch(/line 5\s+\S+\s+an Instagram URL to \/threads\//);
    expect((await rows()).map((r) => r.username)).toEqual(['nasa', 'natgeo']);
  });

  it('GIVEN a list whose first name is a weak header word THEN it is stored and nothing is said skipped', async () => {
    const { reply, text } = await runImport('import fitness', incoming('list.txt', 'instagram\nuser\nig\n'));
    expect(text).toContain('Import into fitness: 3 profiles added');
    expect(text).not.toContain('skipped');
    expect(reply.data).toMatchObject({ added: 3, headers: [] });
    expect((await rows()).map((r) => r.username)).toEqual(['ig', 'instagram', 'user']);
  });

  it('GIVEN a one-name file "instagram" THEN it is imported, not refused as only a header', async () => {
    const { text } = await runImport('import fitness', incoming('one.txt', 'instagram\n'));
    expect(text).toContain('Import into fitness: 1 profile added');
    expect((await rows()).map((r) => r.username)).toEqual(['instagram']);
  });

  it('GIVEN a CSV of names whose first cell is "instagram" THEN every cell of every row is stored', async () => {
    const { reply, text } = await runImport(
      'import fitness',
      incoming('names.csv', 'instagram, natgeo, nasa\nbob, alice, carol\n'),
    );
    expect(text).toContain(
      'Import into fitness: 6 profiles added, 0 already present, 0 repeated in the input, 0 malformed.',
    );
    expect(text).not.toContain('Read only');
    expect(reply.data).toMatchObject({ headers: [] });
    expect((await rows()).map((r) => r.username)).toEqual([
      'alice',
      'bob',
      'carol',
      'instagram',
      'nasa',
      'natgeo',
    ]);
  });

  it('GIVEN a header "Instagram,Full Name" and other columns with other profiles THEN says what was not imported', async () => {
    const csv =
      'Instagram,Full Name,Backup\nnatgeo,National Geographic,@natgeo_travel\nnasa,NASA,\nesa,ESA,@esa_kids\n';
    const { text } = await runImport('import fitness', incoming('e.csv', csv));
    expect(text).toContain('Import into fitness: 3 profiles added');
    expect(text).toContain(
      'Read only the column "Instagram" of a CSV with 3 columns; the other 2 columns ("Full Name", "Backup") were not imported; header line 1 skipped.',
    );
    expect(text).toContain(
      '2 cells of the other columns name a different profile (an @name or Instagram link, e.g. line 2 "@natgeo_travel") and were not imported; to import them, send that column as its own file.',
    );
    expect((await rows()).map((r) => r.username)).toEqual(['esa', 'nasa', 'natgeo']);
  });

  it('GIVEN a bio cell with line breaks and commas THEN only the username column is stored, no bio words', async () => {
    const csv = 'username,bio\r\nnatgeo,"Loves\r\ncats, dogs, birds"\r\nnasa,"Space\r\n\r\nand more"\r\n';
    const { reply, text } = await runImport('import fitness', incoming('bio.csv', csv));
    expect(text).toContain(
      'Import into fitness: 2 profiles added, 0 already present, 0 repeated in the input, 0 malformed.',
    );
    expect(text).toContain('the other column ("bio") was not imported; header line 1 skipped.');
    expect(text).not.toContain('opens a quoted cell');
    expect(reply.data).toMatchObject({ entries: 2, lines: 6 });
    expect((await rows()).map((r) => r.username)).toEqual(['nasa', 'natgeo']);
  });

  it('GIVEN a quote never closed THEN the rows after it are still stored and the line is reported', async () => {
    const csv = 'username,bio\nalice,ok\nbob,"open\ncarol,x\n';
    const { text } = await runImport('import fitness', incoming('q.csv', csv));
    expect(text).toContain('3 profiles added');
    expect(text).toContain(
      'Line 3 opens a quoted cell (") that is not closed within 100 lines or by the end of the file; it was read as a row by itself, and the lines after it as rows.',
    );
    expect((await rows()).map((r) => r.username)).toEqual(['alice', 'bob', 'carol']);
  });

  it('GIVEN a file over 20 MB THEN refuses it without reading it', async () => {
    const { text } = await runImport('import fitness', incoming('big.txt', 'a', 21 * 1024 * 1024));
    expect(text).toContain('"big.txt" is 21.0 MB; the limit is 20 MB');
    expect(await rows()).toEqual([]);
  });
});
