import type { ArgSpec, CommandDef } from './types.js';

/**
 * Splits a command line into words. Double or single quotes keep spaces inside a word ("my niche"),
 * and newlines separate words too, so `/proxy add` with one proxy per line parses as a list.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|“([^”]*)”|(\S+)/g;
  for (const m of text.matchAll(re)) {
    words.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  }
  return words;
}

export interface ParsedWords {
  values: Record<string, unknown>;
  /** Words that matched no argument: reported, never dropped silently. */
  unexpected: string[];
}

/**
 * Maps words to a command's declared arguments: keyword args (`page 2`, `--page 2`, `--page=2`) anywhere,
 * then positionals in order; an optional positional with `choices` is filled only by one of its values.
 * The result is raw (strings) and goes through the command's zod schema afterwards.
 */
export function parseWords(def: Pick<CommandDef, 'args'>, words: readonly string[]): ParsedWords {
  const values: Record<string, unknown> = {};
  const unexpected: string[] = [];
  const keywordArgs = new Map(def.args.filter((a) => a.keyword).map((a) => [a.name.toLowerCase(), a]));
  const positional = def.args.filter((a) => !a.keyword && a.type !== 'file');
  const rest: string[] = [];
  // `--csv`, `--file`: a choice of an optional argument, written as a flag, anywhere on the line.
  const choiceFlags = new Map(
    def.args
      .filter((a) => !a.required && a.type !== 'file')
      .flatMap((a) => (a.choices ?? []).map((c) => [c.toLowerCase(), a] as const)),
  );

  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const flag = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/i.exec(word);
    const name = (flag ? flag[1]! : word).toLowerCase();
    const spec = keywordArgs.get(name);
    const restStarted = positional.some((a) => a.type === 'rest' && values[a.name] !== undefined);
    if (spec && (flag || !restStarted)) {
      const inline = flag?.[2];
      if (inline !== undefined) values[spec.name] = inline;
      else if (i + 1 < words.length) values[spec.name] = words[++i];
      else values[spec.name] = '';
      continue;
    }
    const choice = flag && flag[2] === undefined ? choiceFlags.get(name) : undefined;
    if (choice) values[choice.name] = name;
    else rest.push(word);
  }

  let idx = 0;
  for (const spec of positional) {
    if (spec.type === 'rest') {
      values[spec.name] = rest.slice(idx);
      idx = rest.length;
      break;
    }
    if (values[spec.name] !== undefined) continue;
    const word = rest[idx];
    if (word === undefined) break;
    if (spec.choices && !spec.required && !spec.choices.includes(word.toLowerCase())) continue;
    values[spec.name] = word;
    idx++;
  }
  unexpected.push(...rest.slice(idx));
  return { values, unexpected };
}

/** One line of usage for a command, shown on wrong arguments: `/niche add NAME`. */
export function usageLine(def: Pick<CommandDef, 'path' | 'args'>, prefix = '/'): string {
  const parts = [`${prefix}${def.path.join(' ')}`];
  for (const a of def.args) parts.push(formatArg(a));
  return parts.join(' ');
}

function formatArg(a: ArgSpec): string {
  let core: string;
  if (a.keyword)
    core = `${a.name} ${a.choices ? a.choices.join('|') : a.type === 'integer' ? 'N' : a.name.toUpperCase()}`;
  else if (a.choices) core = a.choices.join('|');
  else if (a.type === 'rest') core = `${a.name.toUpperCase()}...`;
  else if (a.type === 'file') core = '<.txt file>';
  else core = a.name.toUpperCase();
  return a.required ? core : `[${core}]`;
}
