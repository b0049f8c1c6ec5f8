import { parseProxyList } from '../../core/proxies/parse-proxy.js';
import { wordsToLines } from '../commands/proxy.js';
import type { AnyCommand } from '../commands/types.js';
import { shellUsageLine } from '../commands/usage-spelling.js';
import { readSecretFile, readSecretStdin } from './console-file.js';

/** How a command is written in the shell. */
export const PREFIX = 'storywatch ';

/**
 * Console commands whose argument is a secret. Words typed after a command stay in the shell history,
 * show in `ps` and are printed again by npm's banner, so these take the secret from standard input
 * or `--file PATH` only (the chat front-ends are unchanged: Telegram deletes the message).
 */
export interface SecretInput {
  /** The argument the text goes to. */
  arg: string;
  /** What is refused on the command line, in a sentence. */
  what: string;
  /** What is read from standard input or the file. */
  noun: string;
  /** How to give it, one line each. */
  forms: readonly string[];
  usage: string;
  /** Words that carry no secret and may stay on the command line (proxies without a password). */
  harmless(words: readonly string[]): boolean;
}

const SECRET_INPUTS: Readonly<Record<string, SecretInput>> = {
  'proxy add': {
    arg: 'proxies',
    what: 'proxy passwords',
    noun: 'proxies (one per line)',
    forms: [`${PREFIX}proxy add < proxies.txt`, `${PREFIX}proxy add --file proxies.txt`],
    usage: `${PREFIX}proxy add < FILE  (or --file FILE; one proxy per line)`,
    harmless(words) {
      // Only complete proxies without a password: a line that cannot be read may be half a password.
      const { proxies, refused } = parseProxyList(wordsToLines(words));
      return refused.length === 0 && proxies.every((p) => p.proxy.password === null);
    },
  },
  'session add': {
    arg: 'cookie',
    what: 'session cookies',
    noun: 'cookie text',
    forms: [
      `${PREFIX}session add < cookies.txt`,
      `${PREFIX}session add --file cookies.txt`,
      `echo 'sessionid=...; csrftoken=...; ds_user_id=...' | ${PREFIX}session add`,
    ],
    usage: `${PREFIX}session add < FILE  (or --file FILE; the cookie text)`,
    harmless: () => false,
  },
};

export function secretInputOf(command: AnyCommand): SecretInput | undefined {
  return SECRET_INPUTS[command.path.join(' ')];
}

/** A command as the shell takes it: options as `--name VALUE`, secrets from standard input or a file. */
export function consoleUsage(c: AnyCommand): string {
  return secretInputOf(c)?.usage ?? shellUsageLine(c, PREFIX);
}

function secretHint(spec: SecretInput, lead: string): string {
  return [lead, 'Use standard input or --file instead:', ...spec.forms.map((f) => `  ${f}`)].join('\n');
}

/**
 * The secret text of a `proxy add` / `session add` from standard input or `--file PATH`. Refuses a
 * secret among the words without repeating it, and a terminal with nothing piped in (reading it would
 * wait for typing nobody asked for). Undefined values: the words are used as typed (no secret in them).
 */
export async function readSecretInput(
  command: AnyCommand,
  spec: SecretInput,
  words: readonly string[],
): Promise<{ values?: Record<string, unknown>; refusal?: { text: string; code: number } }> {
  const name = command.path.join(' ');
  const paths: string[] = [];
  const others: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '--file') {
      const path = words[i + 1];
      if (path === undefined)
        return { refusal: { text: secretHint(spec, `Error: --file needs a path.`), code: 2 } };
      paths.push(path);
      i++;
    } else if (w.startsWith('--file=')) paths.push(w.slice('--file='.length));
    else others.push(w);
  }
  if (others.length > 0) {
    if (paths.length === 0 && spec.harmless(others)) return {};
    return {
      refusal: {
        text: secretHint(
          spec,
          `Error: \`${name}\` does not take ${spec.what} as arguments: the shell history, \`ps\` and npm's banner would keep them. Refused ${others.length} ${others.length === 1 ? 'word' : 'words'} (not repeated here); nothing was stored.`,
        ),
        code: 2,
      },
    };
  }
  if (paths.length > 1)
    return { refusal: { text: `Error: Give one file at a time (got ${paths.length}).`, code: 2 } };
  const path = paths[0];
  const read = path !== undefined ? await readSecretFile(path) : await readSecretStdin();
  if (read === undefined) {
    return {
      refusal: {
        text: secretHint(
          spec,
          `Error: \`${name}\` reads the ${spec.noun} from standard input or a file, and standard input is a terminal with nothing piped in.`,
        ),
        code: 2,
      },
    };
  }
  if ('problem' in read) return { refusal: { text: `Error: ${read.problem}`, code: 1 } };
  if (read.text.trim() === '') {
    return {
      refusal: {
        text: secretHint(
          spec,
          `Error: ${path !== undefined ? `The file "${path}" is empty` : 'Standard input was empty'}; nothing was stored.`,
        ),
        code: 2,
      },
    };
  }
  return { values: { [spec.arg]: read.text } };
}
