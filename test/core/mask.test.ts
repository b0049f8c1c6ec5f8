import { describe, expect, it } from 'vitest';
import { containsCredentials, maskSecrets } from '../../src/core/mask.js';

const TG_TOKEN = '123456789:AAHfakeTokenPartThatIsLongEnough_12345';

describe('masking secrets in free text', () => {
  it.each([
    ['a Bot API method URL', `request to https://api.telegram.org/bot${TG_TOKEN}/getFile failed`],
    ['a Bot API file URL', `GET https://api.telegram.org/file/bot${TG_TOKEN}/documents/file_1.txt: 404`],
    ['the bare token', `token ${TG_TOKEN} refused`],
  ])('GIVEN a Telegram token in %s THEN it is masked', (_where, text) => {
    const masked = maskSecrets(text);
    expect(masked).not.toContain('AAHfakeTokenPart');
    expect(masked).toContain('***telegram-token***');
  });

  it('GIVEN proxy URLs and cookies THEN passwords and cookie values are masked, hosts kept', () => {
    const masked = maskSecrets(
      'via http://alice:pw123456@10.0.0.9:8080 with sessionid=1234%3Aabcdefgh; csrftoken=zz',
    );
    expect(masked).toBe('via http://alice:***@10.0.0.9:8080 with sessionid=***; csrftoken=***');
  });

  it('GIVEN a cookie value in a code span THEN the value is masked and the closing backtick stays', () => {
    expect(maskSecrets('Give `sessionid=...; csrftoken=...; ds_user_id=...` (copied)')).toBe(
      'Give `sessionid=***; csrftoken=***; ds_user_id=***` (copied)',
    );
    expect(maskSecrets('`sessionid=12345%3Aab`cd`')).toBe('`sessionid=***`');
    expect(maskSecrets('sessionid=`12345%3Aabcdefgh`')).not.toContain('12345');
  });

  it('GIVEN a Redis URL with a password and no user THEN the password is masked', () => {
    expect(maskSecrets('redis://:s3cret-pw@10.0.0.5:6379/0')).toBe('redis://:***@10.0.0.5:6379/0');
  });

  it.each([
    ['ip:port:user:pass', '/proxy ad 10.0.0.9:8080:alice:pw', true],
    ['a proxy URL with a password', 'see socks5://bob:pw@proxy.example.com:1080', true],
    ['a session cookie', '/session sessionid=1234567%3Aabcdefgh%3A12', true],
    ['a raw sessionid', '/session 1234567%3AabcdefghIJKL%3A12 tok 1234567', true],
    ['host:port only', '/proxy add 10.0.0.9:8080', false],
    ['a time of day', '/results 12:30', false],
    ['an import of usernames', '/import Fitness anna bob.fit', false],
    // formats the proxy and session parsers accept
    ['schemeless user:pass@host:port', '/proxy ad alice:pw@10.0.0.9:8080', true],
    ['user:pass@ with a dotted host and "@" in the password', 'alice:p@ss@gate.example.com:3128', true],
    ['user:pass@ a bracketed IPv6', 'alice:pw@[2001:db8::1]:8080', true],
    ['a bracketed IPv6 ip:port:user:pass', '/proxy ad [2001:db8::1]:8080:u:pw', true],
    ['credentials after the host in a URL', '/proxy ad http://1.2.3.4:8080:u:pw', true],
    ['a csrftoken cookie', '/sesion csrftoken=AbCdEf123456XyZ', true],
    ['a decoded session id', '/session 1234567:AbCdEfGhIjKlMn:12', true],
    ['a whole decoded session id', '/sesion add 1234567:AbCdEfGhIjKlMn:12:AYdR4mwTx tok 1234567', true],
    // accepted false positives
    ['an unbracketed IPv6 address', 'fe80:0:0:0:1', true],
    ['a timecode with frames', 'at 12:30:45:00', true],
    // must not count
    ['a time with seconds', 'meet at 12:30:45 today', false],
    ['a URL with a port and path', 'see http://h:8080/path', false],
    ['a URL with a port and user, no password', 'see http://bob@h:8080/path', false],
    ['an e-mail address', 'mail bob@example.com', false],
    ['an e-mail address with a port', 'smtp bob@mail.example.com:25', false],
    ['a bracketed IPv6 host:port', '[2001:db8::1]:8080', false],
    ['a word with "csrftoken" but no value', 'the csrftoken cookie is missing', false],
    ['a log timestamp', '2026-12-02T03:45:45.000Z done', false],
    ['digits and a short word', 'item 1234567:ab:12', false],
  ])('GIVEN %s THEN containsCredentials is %s', (_what, text, expected) => {
    expect(containsCredentials(text)).toBe(expected);
  });

  it.each([
    ['1.2.3.4:8080:u:pw', '1.2.3.4:8080:u:***'],
    ['Unexpected word "1.2.3.4:8080:me@mail.com:LEAK9"', 'Unexpected word "1.2.3.4:8080:me@mail.com:***'],
    ['[2001:db8::1]:8080:u:pw', '[2001:db8::1]:8080:u:***'],
    ['alice:pw@10.0.0.9:8080', 'alice:***@10.0.0.9:8080'],
    ['via alice:p@ss@gate.example.com:3128 now', 'via alice:***@gate.example.com:3128 now'],
    ['alice:pw@[2001:db8::1]:8080', 'alice:***@[2001:db8::1]:8080'],
    ['Unknown command "1234567:AbCdEfGhIjKlMn:12:AYdR4mwTx"', 'Unknown command "***sessionid***"'],
  ])('GIVEN "%s" THEN maskSecrets hides the password: "%s"', (text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
  });

  it.each([
    'meet at 12:30:45 today',
    'see http://h:8080/path',
    'proxy 10.0.0.9:8080 timed out',
    'connect ECONNREFUSED ::1:5432',
    'postgres://postgres@127.0.0.1:5432/storywatch',
    'mail bob@example.com',
    '2026-12-02T03:45:45.000Z done',
  ])('GIVEN "%s" THEN maskSecrets leaves it alone', (text) => {
    expect(maskSecrets(text)).toBe(text);
  });
});
