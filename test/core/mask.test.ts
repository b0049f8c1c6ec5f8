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
  ])('GIVEN %s THEN containsCredentials is %s', (_what, text, expected) => {
    expect(containsCredentials(text)).toBe(expected);
  });
});
