import { describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/errors.js';
import { decodeText } from '../../src/core/import/decode-text.js';
import {
  normalizeUsername,
  parseToken,
  parseUsernames,
  USERNAME_RE,
} from '../../src/core/import/parse-usernames.js';

function utf16(text: string, order: 'le' | 'be'): Buffer {
  const le = Buffer.from(text, 'utf16le');
  if (order === 'be') le.swap16();
  return Buffer.concat([Buffer.from(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), le]);
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isUserError(err)) return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('decodeText', () => {
  it('GIVEN UTF-8 without BOM THEN decodes it', () => {
    expect(decodeText(Buffer.from('alice\nbob'))).toEqual({ text: 'alice\nbob', encoding: 'utf-8' });
  });
  it('GIVEN UTF-8 with BOM THEN the BOM is not part of the first name', () => {
    const d = decodeText(Buffer.from('\ufeffalice\n', 'utf8'));
    expect(d.encoding).toBe('utf-8-bom');
    expect(parseUsernames(d.text).usernames).toEqual(['alice']);
  });
  it('GIVEN UTF-16LE with BOM THEN decodes it', () => {
    const d = decodeText(utf16('Alice\r\nbob', 'le'));
    expect(d.encoding).toBe('utf-16le');
    expect(parseUsernames(d.text).usernames).toEqual(['alice', 'bob']);
  });
  it('GIVEN UTF-16BE with BOM THEN decodes it', () => {
    const d = decodeText(utf16('alice\nBob', 'be'));
    expect(d.encoding).toBe('utf-16be');
    expect(parseUsernames(d.text).usernames).toEqual(['alice', 'bob']);
  });
  it('GIVEN NUL bytes in a file without BOM THEN refuses it as binary', () => {
    expect(refusal(() => decodeText(Buffer.from([0x61, 0x00, 0x62, 0x00])))).toMatch(
      /looks binary \(a NUL byte at offset 1\).*UTF-16.*byte order mark/,
    );
  });
  it('GIVEN bytes that are not UTF-8 THEN refuses with the accepted encodings', () => {
    expect(refusal(() => decodeText(Buffer.from([0x61, 0xc3, 0x28, 0x62])))).toMatch(
      /not valid UTF-8 text.*UTF-8 \(with or without BOM\) or UTF-16 with a BOM/,
    );
  });
  it('GIVEN UTF-16 with an odd byte count THEN refuses it', () => {
    expect(refusal(() => decodeText(Buffer.from([0xff, 0xfe, 0x61, 0x00, 0x62])))).toMatch(
      /UTF-16 \(LE\) but has an odd number of bytes/,
    );
  });
  it('GIVEN UTF-16 with a lone surrogate THEN refuses it', () => {
    expect(refusal(() => decodeText(Buffer.from([0xff, 0xfe, 0x00, 0xd8, 0x61, 0x00])))).toMatch(
      /not valid UTF-16 \(LE\) text/,
    );
  });
});

describe('parseUsernames', () => {
  it('GIVEN \\n, \\r\\n and \\r line endings THEN every line is read and numbered', () => {
    const p = parseUsernames('a\nb\r\nc\rd-x\r\n\ne');
    expect(p.usernames).toEqual(['a', 'b', 'c', 'e']);
    expect(p.malformedExamples).toEqual([expect.objectContaining({ line: 4, text: 'd-x' })]);
    expect(p.lines).toBe(6);
  });
  it('GIVEN several names per line with spaces, tabs, commas and semicolons THEN each is an entry', () => {
    const p = parseUsernames('one two\tthree,four;five , six;; seven');
    expect(p.usernames).toEqual(['one', 'two', 'three', 'four', 'five', 'six', 'seven']);
    expect(p.entries).toBe(7);
  });
  it('GIVEN a leading @ and capitals THEN stores the lowercase name', () => {
    expect(parseUsernames('@Alice @BOB.x_1').usernames).toEqual(['alice', 'bob.x_1']);
  });
  it('GIVEN profile URLs in their common shapes THEN takes the username', () => {
    const p = parseUsernames(
      [
        'https://www.instagram.com/Name1/?hl=en',
        'instagram.com/name2',
        'http://m.instagram.com/name3/',
        'https://www.instagram.com/name4/reels/',
        'www.instagram.com/name5?igsh=abc',
        'https://instagram.com/stories/name6/123/',
        'https://www.instagram.com/name7/tagged/',
        'https://www.instagram.com/name8/p/Cxyz123/',
        'https://www.instagram.com/Stories/Name9/',
        'instagram.com/_u/name10',
      ].join('\n'),
    );
    expect(p.usernames).toEqual([
      'name1',
      'name2',
      'name3',
      'name4',
      'name5',
      'name6',
      'name7',
      'name8',
      'name9',
      'name10',
    ]);
    expect(p.malformed).toBe(0);
  });
  it('GIVEN a name twice in different spellings THEN it counts once and the repeat is counted', () => {
    const p = parseUsernames('alice\n@Alice\nhttps://instagram.com/alice/\nbob');
    expect(p.usernames).toEqual(['alice', 'bob']);
    expect(p.repeated).toBe(2);
  });
  it('GIVEN only blank lines and separators THEN there are no entries', () => {
    const p = parseUsernames('\n  \r\n ,; \n');
    expect(p.entries).toBe(0);
    expect(p.usernames).toEqual([]);
  });
  it('GIVEN more than 10 malformed entries THEN counts all and keeps the first 10 with line numbers', () => {
    const text = Array.from({ length: 25 }, (_, i) => `bad-${i}`).join('\n');
    const p = parseUsernames(text);
    expect(p.malformed).toBe(25);
    expect(p.malformedExamples.map((m) => m.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
  it('GIVEN a 20 MB file THEN parses it whole', () => {
    const line = 'abcdefghij_0123456789.klmnopq\n';
    const text = line.repeat(Math.ceil((20 * 1024 * 1024) / line.length));
    const p = parseUsernames(text);
    expect(p.entries).toBe(p.lines);
    expect(p.usernames).toEqual(['abcdefghij_0123456789.klmnopq']);
    expect(p.repeated).toBe(p.entries - 1);
  });
});

describe('malformed entries each get their reason', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['too long', 'a'.repeat(31), /^too long \(31 characters, at most 30\)$/],
    ['bad character', 'na-me', /^bad character '-' \(only a-z, 0-9, '\.' and '_'\)$/],
    ['invisible character', 'na\u200bme', /^bad character U\+200B/],
    ['non-latin letter', 'имя', /^bad character 'и'/],
    ['starts with a dot', '.name', /^starts with '\.'$/],
    ['ends with a dot', 'name.', /^ends with '\.'$/],
    ['double dot', 'na..me', /^has '\.\.' \(two dots in a row\)$/],
    ['empty after @', '@', /^empty username$/],
    ['two @', '@@name', /^bad character '@'/],
    ['not an Instagram URL', 'https://twitter.com/name', /^not an Instagram URL \(host twitter\.com\)$/],
    [
      'not an Instagram URL without scheme',
      'tiktok.com/@name',
      /^not an Instagram URL \(host tiktok\.com\)$/,
    ],
    [
      'Instagram post link',
      'https://www.instagram.com/p/Cxyz123/',
      /^an Instagram URL to \/p\/ \(a post\), not a profile$/,
    ],
    [
      'story highlight link',
      'instagram.com/stories/highlights/17912345678901234/',
      /^an Instagram URL to \/stories\/highlights\/ \(a story highlight\), not a profile$/,
    ],
    [
      'bare stories link',
      'https://www.instagram.com/stories/',
      /^an Instagram URL to \/stories\/ \(stories, without a username\), not a profile$/,
    ],
    [
      'location link',
      'https://www.instagram.com/explore/locations/123/',
      /^an Instagram URL to \/explore\/ \(the explore page\), not a profile$/,
    ],
    [
      'top-level location link',
      'instagram.com/locations/213385402/paris/',
      /^an Instagram URL to \/locations\/ \(a location\), not a profile$/,
    ],
    [
      'login check link',
      'https://www.instagram.com/challenge/',
      /^an Instagram URL to \/challenge\/ \(a login check\), not a profile$/,
    ],
    ['e-mail link', 'https://www.instagram.com/emails/', /^an Instagram URL to \/emails\/ \(e-mail settings/],
    ['AR effect link', 'https://www.instagram.com/ar/4551/', /^an Instagram URL to \/ar\/ \(an AR effect\)/],
    ['create link', 'https://www.instagram.com/create/story/', /^an Instagram URL to \/create\//],
    ['Threads link', 'https://www.instagram.com/threads/', /^an Instagram URL to \/threads\/ \(Threads\)/],
    ['Instagram URL without a name', 'https://www.instagram.com/', /^an Instagram URL without a username$/],
    [
      'Instagram URL with a bad name',
      'https://instagram.com/bad-name/',
      /^URL with a bad username: bad character '-'/,
    ],
  ];
  for (const [what, input, reason] of cases) {
    it(`GIVEN ${what} (${JSON.stringify(input)}) THEN the reason says so`, () => {
      const t = parseToken(input);
      expect(t.ok).toBe(false);
      if (!t.ok) expect(t.reason).toMatch(reason);
      const p = parseUsernames(`good\n${input}`);
      expect(p.malformedExamples).toEqual([{ line: 2, text: input, reason: expect.stringMatching(reason) }]);
    });
  }
});

describe('links to reserved instagram.com pages', () => {
  const reserved =
    'stories locations explore challenge emails ar create threads session privacy terms help press api ' +
    'oauth graphql static legal directory topics web nametag lite about developer accounts direct p reel reels tv';
  for (const segment of reserved.split(' ')) {
    it(`GIVEN instagram.com/${segment}/ with and without more path THEN neither is a username`, () => {
      // stories/NAME/ is a profile's story, so its longer link is the highlight one.
      const more = segment === 'stories' ? 'stories/highlights/123/' : `${segment}/123/x?hl=en`;
      const p = parseUsernames(`https://www.instagram.com/${segment}/\ninstagram.com/${more}\n${segment}`);
      // The bare word is a valid username (an account may be called that); the links are not.
      expect(p.usernames).toEqual([segment]);
      expect(p.malformedExamples).toEqual([
        {
          line: 1,
          text: `https://www.instagram.com/${segment}/`,
          reason: expect.stringMatching(/not a profile$/),
        },
        { line: 2, text: `instagram.com/${more}`, reason: expect.stringMatching(/not a profile$/) },
      ]);
      expect(normalizeUsername(`https://instagram.com/${segment.toUpperCase()}/`)).toBeNull();
    });
  }
});

describe('normalizeUsername and USERNAME_RE', () => {
  it('GIVEN the accepted spellings THEN normalises them; invalid ones give null', () => {
    expect(normalizeUsername(' @Some.User_1 ')).toBe('some.user_1');
    expect(normalizeUsername('https://www.instagram.com/Some.User_1/?hl=en')).toBe('some.user_1');
    expect(normalizeUsername('some..user')).toBeNull();
    expect(normalizeUsername('')).toBeNull();
  });
  it('GIVEN the boundary lengths THEN 1 and 30 characters pass, 31 does not', () => {
    expect(USERNAME_RE.test('a')).toBe(true);
    expect(USERNAME_RE.test('a'.repeat(30))).toBe(true);
    expect(USERNAME_RE.test('a'.repeat(31))).toBe(false);
    expect(USERNAME_RE.test('_')).toBe(true);
    expect(USERNAME_RE.test('a.b')).toBe(true);
  });
});
