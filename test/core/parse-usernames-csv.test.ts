import { describe, expect, it } from 'vitest';
import { quoteOpenAfter } from '../../src/core/import/csv-header.js';
import { parseUsernames, splitCsvLine } from '../../src/core/import/parse-usernames.js';

describe('CSV exports with a header line', () => {
  it('GIVEN username,full_name,followers and a row THEN only the username column is read and the header is reported', () => {
    const p = parseUsernames('username,full_name,followers\r\nnatgeo,National Geographic,280000000\r\n');
    expect(p.usernames).toEqual(['natgeo']);
    expect(p).toMatchObject({ entries: 1, malformed: 0, repeated: 0, lines: 2, freeTextRow: null });
    expect(p.header).toEqual({
      line: 1,
      column: 'username',
      index: 0,
      columns: 3,
      others: ['full_name', 'followers'],
      otherProfiles: 0,
      otherProfileExample: null,
      unclosedQuoteLine: null,
    });
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
    expect(p.header).toMatchObject({ line: 3, column: 'Instagram', index: 1, columns: 3 });
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
    expect(p.header).toMatchObject({ line: 1, column: 'Username', index: 0, columns: 1, others: [] });
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

describe('header words that are also real usernames', () => {
  const WEAK = ['instagram', 'user', 'ig', 'account', 'profile', 'link', 'url', 'handle'];

  it('GIVEN a plain list whose first name is a weak header word THEN that name is imported, nothing skipped', () => {
    for (const w of WEAK) {
      const p = parseUsernames(`${w}\nalice\nbob\n`);
      expect(p.header, w).toBeNull();
      expect(p.usernames, w).toEqual([w, 'alice', 'bob']);
      expect(p, w).toMatchObject({ entries: 3, malformed: 0 });
    }
  });

  it('GIVEN a one-name file "instagram" (any case) THEN it is that name, not a header', () => {
    for (const t of ['instagram', 'Instagram\n', '\ufeffIG\r\n']) {
      const p = parseUsernames(t);
      expect(p.header, t).toBeNull();
      expect(p.entries, t).toBe(1);
    }
  });

  it('GIVEN a lone unambiguous header word on line 1 THEN it is still skipped and reported', () => {
    for (const h of [
      'username',
      'Usernames',
      'USER_NAME',
      'User Name',
      'profile_url',
      'Profile URL',
      'instagram_url',
    ]) {
      const p = parseUsernames(`${h}\nalice\n`);
      expect(p.header, h).toMatchObject({ line: 1, column: h, columns: 1 });
      expect(p.usernames, h).toEqual(['alice']);
    }
  });

  it('GIVEN a delimited first line of names with a weak header word THEN every cell of every line is a name', () => {
    const p = parseUsernames('instagram, natgeo, nasa\nbob, alice, carol\n');
    expect(p.header).toBeNull();
    expect(p.usernames).toEqual(['instagram', 'natgeo', 'nasa', 'bob', 'alice', 'carol']);
    expect(p).toMatchObject({ entries: 6, malformed: 0 });
    for (const t of [
      'user;ig;link\nx;y;z',
      'handle,url\nalice,bob',
      'account\tprofile\nalice\tbob',
      'ig,1,2',
    ]) {
      expect(parseUsernames(t).header, t).toBeNull();
    }
  });

  it('GIVEN a weak header word beside a typical column name or a cell no username can be THEN it is a header', () => {
    for (const [line, column] of [
      ['instagram,name', 'instagram'],
      ['Full Name,Instagram', 'Instagram'],
      ['handle;followers;posts', 'handle'],
      ['IG\tE-mail', 'IG'],
      ['user,# of posts', 'user'],
      ['url,Bio', 'url'],
      ['account,notes', 'account'],
    ] as const) {
      const p = parseUsernames(`${line}\n`);
      expect(p.header, line).toMatchObject({ column, line: 1 });
    }
  });

  it('GIVEN a weak header word beside only names, numbers, links and empty cells THEN it is data', () => {
    for (const t of [
      'instagram,natgeo',
      'user,123',
      'ig,https://www.instagram.com/nasa/',
      'link,,',
      'url,bad-name.com/x',
    ]) {
      expect(parseUsernames(t).header, t).toBeNull();
    }
  });

  it('GIVEN an unambiguous header word and a weak one THEN the unambiguous column is read', () => {
    const p = parseUsernames('user,username,bio\nmod1,natgeo,hi\n');
    expect(p.header).toMatchObject({ column: 'username', index: 1, others: ['user', 'bio'] });
    expect(p.usernames).toEqual(['natgeo']);
  });
});

describe('what column mode does not import', () => {
  it('GIVEN other columns holding @names or links to other profiles THEN they are counted with the first one', () => {
    const p = parseUsernames(
      [
        'username,full_name,backup,profile',
        'natgeo,National Geographic,@natgeo_travel,https://www.instagram.com/natgeo/',
        'nasa,NASA,,https://instagram.com/nasa',
        'esa,ESA,https://www.instagram.com/esa_kids/,@esa',
      ].join('\n'),
    );
    expect(p.usernames).toEqual(['natgeo', 'nasa', 'esa']);
    expect(p.header).toMatchObject({
      others: ['full_name', 'backup', 'profile'],
      otherProfiles: 2,
      otherProfileExample: { line: 2, text: '@natgeo_travel' },
    });
  });
});

describe('quoted cells with line breaks', () => {
  it('GIVEN a bio spanning lines with commas THEN the continuation lines are part of the row, not names', () => {
    const p = parseUsernames('username,bio\nnatgeo,"Loves\ncats, dogs, birds"\nnasa,space\n');
    expect(p.usernames).toEqual(['natgeo', 'nasa']);
    expect(p).toMatchObject({ entries: 2, malformed: 0, lines: 4 });
    expect(p.header).toMatchObject({ unclosedQuoteLine: null });
  });

  it('GIVEN quoted line breaks, doubled quotes and blank lines inside a cell THEN rows keep their first line number', () => {
    const text = [
      'Full Name;Instagram;Bio',
      '"Jane ""JD""',
      'Doe";jane.doe;"a;',
      '',
      'b ""c""',
      'd"',
      'Bob;bob-x;plain',
      '"Carol";;x',
    ].join('\r\n');
    const p = parseUsernames(text);
    expect(p.usernames).toEqual(['jane.doe']);
    expect(p.lines).toBe(8);
    expect(p.malformedExamples).toEqual([
      { line: 7, text: 'bob-x', reason: expect.stringContaining("bad character '-'") },
      { line: 8, text: '"Carol";;x', reason: 'empty cell in the column "Instagram"' },
    ]);
  });

  it('GIVEN a multi-line row without the column THEN the report shows it on one line', () => {
    const p = parseUsernames('bio,username\n"a\nb"\n');
    expect(p.malformedExamples).toEqual([
      { line: 2, text: '"a b"', reason: 'no column "username" (the row has 1 cell)' },
    ]);
  });

  it('GIVEN a quote never closed THEN its lines are read as rows, nothing is lost, and the line is reported', () => {
    const rows = ['username,bio', 'natgeo,"Loves cats', ...Array.from({ length: 150 }, (_, i) => `u${i},ok`)];
    const p = parseUsernames(rows.join('\n'));
    expect(p.usernames).toEqual(['natgeo', ...Array.from({ length: 150 }, (_, i) => `u${i}`)]);
    expect(p.header).toMatchObject({ unclosedQuoteLine: 2 });
    const end = parseUsernames('username,bio\nalice,ok\nbob,"open\ncarol,x\n');
    expect(end.usernames).toEqual(['alice', 'bob', 'carol']);
    expect(end.header).toMatchObject({ unclosedQuoteLine: 3 });
  });

  it('GIVEN no header THEN quoted line breaks are left as they are (each line read on its own)', () => {
    const p = parseUsernames('natgeo,"Loves\ncats, dogs"\n');
    expect(p.header).toBeNull();
    expect(p.usernames).toEqual(['natgeo']);
    // Line 2 has a space and a word that is no username: it is text, one malformed entry (#14.18).
    expect(p.malformedExamples.map((m) => [m.line, m.text])).toEqual([
      [1, '"Loves'],
      [2, 'cats, dogs"'],
    ]);
  });
});

describe('quoteOpenAfter', () => {
  it('GIVEN CSV lines THEN tells whether a quoted cell is open at their end', () => {
    expect(quoteOpenAfter('a,"b', ',', false)).toBe(true);
    expect(quoteOpenAfter('a,"b""', ',', false)).toBe(true);
    expect(quoteOpenAfter('a,"b"""', ',', false)).toBe(false);
    expect(quoteOpenAfter('a,b"c', ',', false)).toBe(false);
    expect(quoteOpenAfter(' "x" y,"', ',', false)).toBe(true);
    expect(quoteOpenAfter('end", "again', ',', true)).toBe(true);
    expect(quoteOpenAfter('end",x', ',', true)).toBe(false);
    expect(quoteOpenAfter('no quotes', ',', true)).toBe(true);
  });
});
