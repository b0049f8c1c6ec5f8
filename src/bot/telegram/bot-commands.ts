/**
 * The menu Telegram shows (setMyCommands): top-level names only, since Telegram commands are one word
 * and the subcommand is the first argument (`/niche add fitness`).
 */
export const TELEGRAM_MENU: ReadonlyArray<{ command: string; description: string }> = [
  { command: 'niche', description: 'Niches: list, add, rename, remove, move' },
  { command: 'import', description: 'Import usernames into a niche (.txt or inline)' },
  { command: 'profiles', description: 'Browse, delete or move profiles' },
  { command: 'target', description: 'Daily story targets per niche' },
  { command: 'settings', description: 'Show or change rate and threads' },
  { command: 'proxy', description: 'Proxies: list, add, remove, test' },
  { command: 'session', description: 'Instagram sessions: list, add, remove' },
  { command: 'instagram', description: 'Instagram routes, doctor, identifiers' },
  { command: 'batch', description: 'Run, cancel and follow batches' },
  { command: 'results', description: 'Usernames with stories, by niche' },
  { command: 'stats', description: 'Imports, batches, errors, proxies' },
  { command: 'digest', description: 'Hourly digest here or off' },
  { command: 'help', description: 'Every command with its usage' },
];
