import type { SimUser } from '../simulator/index.js';

/**
 * The `.txt` a newcomer would import: usernames as people paste them (@handles, profile links, a
 * comment, a repeat) and the junk lines such lists carry, so the import report has something to say.
 */
export function importFileText(users: readonly SimUser[]): string {
  const [first, second, ...rest] = users;
  const lines = [
    '# fitness accounts to watch (pasted from my notes)',
    `@${first?.username ?? 'someone'}`,
    `https://www.instagram.com/${second?.username ?? 'someone'}/?hl=en`,
    ...rest.map((u) => u.username),
    '',
    'bad-name!',
    'thisusernameiswaytoolongforinstagram',
    `@${(first?.username ?? 'someone').toUpperCase()}`,
    'émilie.fit',
  ];
  return `${lines.join('\n')}\n`;
}

/** The two loopback proxies, one per line, as `proxy add --file` reads them. */
export function proxyFileText(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}
