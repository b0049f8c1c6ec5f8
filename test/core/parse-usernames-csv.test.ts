import { describe, expect, it } from 'vitest';
import { parseUsernames, splitCsvLine } from '../../src/core/import/parse-usernames.js';

describe('CSV exports with a header line', () => {
  it('GIVEN username,full_name,followers and a row THEN only the username column is read and the header is reported', () => {
    const p = parseUsernames('username,full_name,followers\r\nnatgeo,National Geographic,280000000\r\n');
    expect(p.usernames).toEqual(['natgeo']);
    expect(p).toMatchObject({ entries: 1, malformed: 0, repeated: 0, lines: 2, freeTextRow: null });
    expect(p.header).toEqual({ line: 1, column: 'username', index: 0, columns: 3 });
  });

  it('GIVEN the column further right, semicolons, quotes and blank lines first THEN that column is read', () => {
    const p = parseUsernames(
      [
        '',
        '  ',
        '"Full Name";"Instagram";"Followers"',
        '"Geographic, National";"@NatGeo";"1"',
        '"NASA; space";https://www.instagram.com/nasa/;2',
        '',
        '"Jane ""JD"" Doe";  jane.doe  ;3',
      ].join('\n'),
    );
    expect(p.header).toEqual({ line: 3, column: 'Instagram', index: 1, columns: 3 });
    expect(p.usernames).toEqual(['natgeo', 'nasa', 'jane.doe']);
    expect(p).toMatchObject({ entries: 3, malformed: 0, lines: 7 });
  });

  it('GIVEN tab-separated cells and a "Profile URL" header THEN the links are read', () => {
    const p = parseUsernames('Name\tProfile URL\nNat Geo\thttps://www.instagram.com/natgeo/\n');
    expect(p.header).toMatchObject({ column: 'Profile URL', index: 1, columns: 2 });
    expect(p.usernames).toEqual(['natgeo']);
  });

  it('GIVEN several recognised header names THEN the username column wins over url and the choice is reported', () => {
    const p = parseUsernames('url,username\nhttps://example.com/x,natgeo\n');
    expect(p.header).toMatchObject({ column: 'username', index: 1 });
    expect(p.usernames).toEqual(['natgeo']);
  });

  it('GIVEN rows without the column, with it empty or invalid THEN each is malformed with its line', () => {
    const p = parseUsernames(
      'full_name,username\nAlice,alice\nBob\nCarol,\nDave,dave-x\n,,\nEve,"eve one"\n',
    );
    expect(p.usernames).toEqual(['alice']);
    expect(p.malformed).toBe(4);
    expect(p.entries).toBe(5);
    expect(p.malformedExamples).toEqual([
      { line: 3, text: 'Bob', reason: 'no column "username" (the row has 1 cell)' },
      { line: 4, text: 'Carol,', reason: 'empty cell in the column "username"' },
      { line: 5, text: 'dave-x', reason: expect.stringContaining("bad character '-'") },
      { line: 7, text: 'eve one', reason: expect.stringContaining('bad character U+0020') },
    ]);
  });

  it('GIVEN a header word case-insensitive with spaces and quotes THEN it is recognised', () => {
    for (const h of [' "USERNAME" ,x', 'User Name;bio', "'x',handle", 'IG\tfollowers']) {
      expect(parseUsernames(`${h}\n`).header, h).not.toBeNull();
    }
  });

  it('GIVEN a first line with cells but no header name THEN every cell is a name as before', () => {
    const p = parseUsernames('alice,bob;carol\ndave');
    expect(p.header).toBeNull();
    expect(p.usernames).toEqual(['alice', 'bob', 'carol', 'dave']);
  });

  it('GIVEN a header line only THEN there are no entries and the header is reported', () => {
    const p = parseUsernames('username,full_name\n\n');
    expect(p).toMatchObject({ entries: 0, usernames: [], header: { line: 1, column: 'username' } });
  });
});

describe('a lone header word over a list', () => {
  it('GIVEN "username" alone on the first line THEN it is skipped and reported, the rest read as a list', () => {
    const p = parseUsernames('\ufeffUsername\r\nalice bob\r\n@carol\r\n');
    expect(p.header).toEqual({ line: 1, column: 'Username', index: 0, columns: 1 });
    expect(p.usernames).toEqual(['alice', 'bob', 'carol']);
    expect(p).toMatchObject({ entries: 3, malformed: 0 });
  });

  it('GIVEN "username" later in the list or as @username THEN it is a name', () => {
    expect(parseUsernames('alice\nusername').usernames).toEqual(['alice', 'username']);
    expect(parseUsernames('@username\nalice').usernames).toEqual(['username', 'alice']);
  });

  it('GIVEN header detection off (typed names) THEN "username" and CSV headers are names', () => {
    const p = parseUsernames('username', { detectHeader: false });
    expect(p).toMatchObject({ usernames: ['username'], header: null });
    const csv = parseUsernames('username,full_name', { detectHeader: false });
    expect(csv).toMatchObject({ usernames: ['username', 'full_name'], header: null });
  });
});

describe('CSV rows without a header', () => {
  it('GIVEN a row with a full name in a cell THEN every word is still read, and the line is flagged', () => {
    const p = parseUsernames('natgeo,National Geographic,280000000\nnasa,NASA,1\n');
    expect(p.usernames).toEqual(['natgeo', 'national', 'geographic', '280000000', 'nasa', '1']);
    expect(p.freeTextRow).toEqual({ line: 1, cell: 'National Geographic' });
  });

  it('GIVEN lists with mixed separators and capitals but no free text THEN nothing is flagged', () => {
    for (const t of [
      'one two\tthree,four;five , six',
      '@Alice @BOB, carol',
      'Alice,Bob\nNASA;ESA',
      'a b c',
    ]) {
      expect(parseUsernames(t).freeTextRow, t).toBeNull();
    }
  });
});

describe('splitCsvLine', () => {
  it('GIVEN quoted cells with delimiters and doubled quotes THEN splits as CSV does', () => {
    expect(splitCsvLine('a, "b, c" ,"d ""e""",', ',')).toEqual(['a', 'b, c', 'd "e"', '']);
    expect(splitCsvLine('"x"y;z', ';')).toEqual(['xy', 'z']);
    expect(splitCsvLine('"unclosed, a', ',')).toEqual(['unclosed, a']);
  });
});
