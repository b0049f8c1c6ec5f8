import { describe, expect, it } from 'vitest';
import { maskProxyText, parseProxyLine, parseProxyList } from '../../src/core/proxies/index.js';

describe('proxy line parsing', () => {
  const accepted: Array<[string, object]> = [
    ['1.2.3.4:8080:user:pass', { host: '1.2.3.4', port: 8080, username: 'user', password: 'pass' }],
    ['1.2.3.4:8080', { host: '1.2.3.4', port: 8080, username: null, password: null }],
    ['proxy.example.com:3128', { host: 'proxy.example.com', port: 3128, username: null, password: null }],
    ['user:pass@1.2.3.4:8080', { host: '1.2.3.4', port: 8080, username: 'user', password: 'pass' }],
    [
      'http://user:pass@Gate.Example.com:8000',
      { host: 'gate.example.com', port: 8000, username: 'user', password: 'pass' },
    ],
    ['http://1.2.3.4:8080/', { host: '1.2.3.4', port: 8080, username: null, password: null }],
    ['1.2.3.4:8080:user:pa:ss', { host: '1.2.3.4', port: 8080, username: 'user', password: 'pa:ss' }],
    ['http://us%40er:p%3Ass@1.2.3.4:80', { host: '1.2.3.4', port: 80, username: 'us@er', password: 'p:ss' }],
    [
      '[2001:db8::1]:8080:user:pass',
      { host: '[2001:db8::1]', port: 8080, username: 'user', password: 'pass' },
    ],
    // Everything after the third ':' is the password, whatever it holds.
    ['1.2.3.4:8080:u:ab,cd', { host: '1.2.3.4', port: 8080, username: 'u', password: 'ab,cd' }],
    ['1.2.3.4:8080:u:x;y', { host: '1.2.3.4', port: 8080, username: 'u', password: 'x;y' }],
    ['1.2.3.4:8080:u:a #b', { host: '1.2.3.4', port: 8080, username: 'u', password: 'a #b' }],
    ['1.2.3.4:8080:u:pass word', { host: '1.2.3.4', port: 8080, username: 'u', password: 'pass word' }],
    ['1.2.3.4:8080:u:p@ss', { host: '1.2.3.4', port: 8080, username: 'u', password: 'p@ss' }],
    // "@" separates credentials only when a valid host:port follows it.
    [
      '1.2.3.50:8080:me@mail.com:LEAKPW9',
      { host: '1.2.3.50', port: 8080, username: 'me@mail.com', password: 'LEAKPW9' },
    ],
    ['user:p@ss@1.2.3.4:8080', { host: '1.2.3.4', port: 8080, username: 'user', password: 'p@ss' }],
    ['http://u:p/s@1.2.3.4:80', { host: '1.2.3.4', port: 80, username: 'u', password: 'p/s' }],
  ];
  for (const [line, proxy] of accepted) {
    it(`GIVEN "${line}" THEN it is accepted`, () => {
      expect(parseProxyLine(line)).toEqual({ ok: true, proxy });
    });
  }

  const refused: Array<[string, string, RegExp]> = [
    ['bad port text', '1.2.3.4:http:user:pass', /^the port is not a number$/],
    ['port out of range', '1.2.3.4:70000:user:pass', /port 70000 is out of range \(1-65535\)/],
    ['port zero', '1.2.3.4:0', /port 0 is out of range/],
    ['missing port', '1.2.3.4', /port is missing/],
    ['missing password', '1.2.3.4:8080:user', /password is missing/],
    ['missing password with empty field', '1.2.3.4:8080:user:', /password is missing/],
    ['missing user', '1.2.3.4:8080::pass', /user name is missing/],
    ['IPv6 without brackets', '2001:db8::1:8080:user:pass', /IPv6 addresses must be in brackets/],
    ['IPv4 octet over 255', '300.1.2.3:8080', /not a valid IPv4 address \(each part 0-255\)/],
    ['three-part IPv4', '1.2.3:8080', /not a valid IPv4 address/],
    ['bad host characters', 'pro_xy!:8080', /not a valid host name/],
    ['socks scheme', 'socks5://1.2.3.4:1080', /socks5:\/\/ proxies are not supported/],
    [
      'credentials after the host in a URL',
      'http://1.2.3.4:8080:user:pass',
      /credentials go before the host/,
    ],
    ['unclosed IPv6 bracket', '[2001:db8::1:8080', /no closing "\]"/],
  ];
  for (const [label, line, reason] of refused) {
    it(`GIVEN ${label} ("${line}") THEN it is refused with its reason`, () => {
      const r = parseProxyLine(line);
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.reason).toMatch(reason);
    });
  }

  it('GIVEN a list with comments, blank lines, good and bad lines THEN good ones parse and bad ones carry line numbers', () => {
    const text =
      '\uFEFF# my proxies\r\n1.2.3.4:8080:u:secretpw\r\n\r\n5.6.7.8:99999:u:secretpw  # old\n9.9.9.9:80\n1.1.1.1:80:u\n';
    const { proxies, refused, comments } = parseProxyList(text);
    expect(comments).toEqual([1]);
    expect(proxies.map((p) => [p.lineNumber, p.proxy.host])).toEqual([
      [2, '1.2.3.4'],
      [5, '9.9.9.9'],
    ]);
    expect(refused.map((r) => [r.lineNumber, r.reason])).toEqual([
      [4, 'port 99999 is out of range (1-65535)'],
      [6, 'the password is missing (a user name was given without one)'],
    ]);
    expect(JSON.stringify(refused)).not.toContain('secretpw');
  });

  it('GIVEN a refused line with a password THEN the shown text masks it', () => {
    expect(maskProxyText('1.2.3.4:99999:user:hunter2')).toBe('1.2.3.4:99999:user:***');
    expect(maskProxyText('http://user:hunter2@1.2.3.4:99999')).toBe('http://user:***@1.2.3.4:99999');
    expect(maskProxyText('1.2.3.50:8080:me@mail.com:LEAKPW9')).toBe('1.2.3.50:8080:me@mail.com:***');
    expect(maskProxyText('1.2.3.4:8080:u:ab,cd')).toBe('1.2.3.4:8080:u:***');
    expect(maskProxyText('user:hun@ter2@1.2.3.4')).toBe('user:***@1.2.3.4');
  });

  it('GIVEN proxy lines with passwords holding , ; # and spaces THEN each line is one proxy with its whole password', () => {
    const { proxies, refused, comments, trailingComments } = parseProxyList(
      '127.0.0.1:18932:comma:ab,cd\n127.0.0.1:18932:semi:x;y\n127.0.0.1:18932:hash:a#b\n1.2.3.13:8080:user:pass word',
    );
    expect(proxies.map((p) => [p.lineNumber, p.proxy.username, p.proxy.password])).toEqual([
      [1, 'comma', 'ab,cd'],
      [2, 'semi', 'x;y'],
      [3, 'hash', 'a#b'],
      [4, 'user', 'pass word'],
    ]);
    expect(refused).toEqual([]);
    expect(comments).toEqual([]);
    expect(trailingComments).toEqual([]);
  });

  it('GIVEN lines with a trailing " #" comment THEN the comment is cut off and its line reported; a "#" inside a word stays in the password', () => {
    const { proxies, refused, comments, trailingComments } = parseProxyList(
      [
        '1.2.3.4:8080:u:pw  # old',
        '1.2.3.4:8080:v:pa#ss',
        '5.6.7.8:80\t#fast ones',
        '# a whole-line comment',
        '1.2.3.4:8080:w:pw1, 5.6.7.8:81 # two on a line',
        'user:pw2@9.9.9.9:3128 #note',
        'u7:a %23b@9.9.9.9:3128',
      ].join('\n'),
    );
    expect(proxies.map((p) => [p.lineNumber, p.proxy.host, p.proxy.username, p.proxy.password])).toEqual([
      [1, '1.2.3.4', 'u', 'pw'],
      [2, '1.2.3.4', 'v', 'pa#ss'],
      [3, '5.6.7.8', null, null],
      [5, '1.2.3.4', 'w', 'pw1'],
      [5, '5.6.7.8', null, null],
      [6, '9.9.9.9', 'user', 'pw2'],
      // the way to give a password with " #": the "#" written %23
      [7, '9.9.9.9', 'u7', 'a #b'],
    ]);
    expect(refused).toEqual([]);
    expect(comments).toEqual([4]);
    expect(trailingComments).toEqual([1, 3, 5, 6]);
  });

  it('GIVEN a comment cut inside a user:pass@ password THEN the refused line does not show what is left of the password', () => {
    const { proxies, refused, trailingComments } = parseProxyList('user:LEAK #PW9@1.2.3.4:8080');
    expect(proxies).toEqual([]);
    expect(trailingComments).toEqual([1]);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.shown).not.toContain('LEAK');
  });

  it('GIVEN a password with a space or "," before something like host:port THEN the line is one proxy, not a proxy and a fake one', () => {
    const { proxies, refused } = parseProxyList(
      '1.2.3.4:8080:u:my pass:1234\n1.2.3.4:8080:v:ab,c:1\n1.2.3.4:8080:w:x;localhost:80',
    );
    expect(proxies.map((p) => [p.lineNumber, p.proxy.host, p.proxy.port, p.proxy.password])).toEqual([
      [1, '1.2.3.4', 8080, 'my pass:1234'],
      [2, '1.2.3.4', 8080, 'ab,c:1'],
      [3, '1.2.3.4', 8080, 'x;localhost:80'],
    ]);
    expect(refused).toEqual([]);
  });

  it('GIVEN a line of complete proxies with IPv4, bracketed IPv6 or dotted host names THEN it is still split', () => {
    const { proxies, refused } = parseProxyList(
      '1.2.3.4:8080:u:p, 5.6.7.8:80\n1.2.3.4:8080:v:q [2001:db8::1]:8080:w:r gate.example.com:3128',
    );
    expect(proxies.map((p) => [p.lineNumber, p.proxy.host, p.proxy.password])).toEqual([
      [1, '1.2.3.4', 'p'],
      [1, '5.6.7.8', null],
      [2, '1.2.3.4', 'q'],
      [2, '[2001:db8::1]', 'r'],
      [2, 'gate.example.com', null],
    ]);
    expect(refused).toEqual([]);
  });

  it('GIVEN several proxies on one line, or a line of one proxy and junk THEN each piece is added or refused, none dropped', () => {
    const { proxies, refused } = parseProxyList(
      '1.2.3.4:8080:u:pw1, 5.6.7.8:80;9.9.9.9:3128:v:pw2\n4.4.4.4:80 junk\n# only this is a comment',
    );
    expect(proxies.map((p) => [p.lineNumber, p.proxy.host, p.proxy.password])).toEqual([
      [1, '1.2.3.4', 'pw1'],
      [1, '5.6.7.8', null],
      [1, '9.9.9.9', 'pw2'],
      [2, '4.4.4.4', null],
    ]);
    expect(refused).toEqual([
      { lineNumber: 2, shown: 'junk', reason: 'the port is missing (expected host:port)' },
    ]);
  });

  it('GIVEN malformed lines holding a password THEN neither the shown text nor the reason contains any of it', () => {
    const pw = 'LEAKPW9';
    const { proxies, refused } = parseProxyList(
      [
        `1.2.3.50:99999:me@mail.com:${pw}`,
        `1.2.3.4:99999:u:${pw},cd`,
        `1.2.3.4:http:u:${pw}`,
        `user:${pw}@1.2.3.4`,
        `user:${pw}@1.2.3.4:0`,
        `http://user:${pw}@1.2.3.4:80/path`,
        `http://1.2.3.4:8080:user:${pw}`,
        `1.2.3.4:8080:user`,
      ].join('\n'),
    );
    expect(proxies).toEqual([]);
    expect(refused.map((r) => r.lineNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(refused[0]).toEqual({
      lineNumber: 1,
      shown: '1.2.3.50:99999:me@mail.com:***',
      reason: 'port 99999 is out of range (1-65535)',
    });
    for (const r of refused) {
      expect(r.shown).not.toContain('LEAK');
      expect(r.reason).not.toContain('LEAK');
    }
  });
});
