import type { AnyCommand, ArgSpec } from '../commands/types.js';

/**
 * Slash-command JSON built from the shared registry, so Discord offers exactly the commands and
 * arguments the other front-ends accept: one top-level command per first word, its subcommands from
 * the second, and one option per ArgSpec (types, min/max, choices, autocomplete) so Discord validates
 * what it can before the zod schema does the rest.
 */

/** Discord's option types, as numbers (discord-api-types' ApplicationCommandOptionType). */
export const OptionType = { Subcommand: 1, String: 3, Integer: 4, Attachment: 11 } as const;

export interface OptionJson {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  autocomplete?: boolean;
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  choices?: Array<{ name: string; value: string }>;
  options?: OptionJson[];
}

export interface CommandJson {
  name: string;
  description: string;
  type: 1;
  /** "0": only server administrators see the commands; DISCORD_OWNER_IDS is still checked. */
  default_member_permissions: string;
  /** Guild channels and the bot's DMs. */
  contexts: number[];
  /** Installed to a server (not user-installed). */
  integration_types: number[];
  options?: OptionJson[];
}

/** The subcommand name used when a top-level word has both a bare command and subcommands. */
export const BARE_SUBCOMMAND = 'show';

const DESCRIPTION_MAX = 100;

/** Discord names: lowercase letters, digits, - and _, at most 32. */
export function discordName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (cleaned || 'value').slice(0, 32);
}

/** Command metadata, not operator output: a summary longer than Discord allows is shortened. */
function description(text: string, fallback: string): string {
  const t = text.trim() || fallback;
  return t.length <= DESCRIPTION_MAX ? t : `${t.slice(0, DESCRIPTION_MAX - 1)}…`;
}

export function optionJson(spec: ArgSpec): OptionJson {
  const base = {
    name: discordName(spec.name),
    description: description(spec.description, spec.name),
    required: spec.required ?? false,
  };
  switch (spec.type) {
    case 'file':
      return { ...base, type: OptionType.Attachment };
    case 'integer':
      return {
        ...base,
        type: OptionType.Integer,
        ...(spec.min !== undefined ? { min_value: spec.min } : {}),
        ...(spec.max !== undefined ? { max_value: spec.max } : {}),
      };
    case 'string':
    case 'rest': {
      const choices =
        spec.choices && spec.choices.length <= 25 && !spec.autocomplete
          ? spec.choices.map((c) => ({ name: c, value: c }))
          : undefined;
      return {
        ...base,
        type: OptionType.String,
        ...(spec.autocomplete ? { autocomplete: true } : {}),
        ...(choices ? { choices } : {}),
        ...(spec.type === 'rest' ? { max_length: 6000 } : {}),
      };
    }
  }
}

/** Required options first (Discord refuses a required option after an optional one), order kept otherwise. */
export function optionsFor(command: Pick<AnyCommand, 'args'>): OptionJson[] {
  const all = command.args.map(optionJson);
  return [...all.filter((o) => o.required), ...all.filter((o) => !o.required)];
}

/** Groups the registry by first word, in registry order. */
export function groupByTop(commands: readonly AnyCommand[]): Map<string, AnyCommand[]> {
  const groups = new Map<string, AnyCommand[]>();
  for (const c of commands) {
    const top = discordName(c.path[0]);
    groups.set(top, [...(groups.get(top) ?? []), c]);
  }
  return groups;
}

export function buildCommandSet(commands: readonly AnyCommand[]): CommandJson[] {
  const set: CommandJson[] = [];
  for (const [top, group] of groupByTop(commands)) {
    const common = {
      name: top,
      type: 1 as const,
      default_member_permissions: '0',
      contexts: [0, 1],
      integration_types: [0],
    };
    const bare = group.find((c) => c.path.length === 1);
    const subs = group.filter((c) => c.path.length === 2);
    if (bare && subs.length === 0) {
      const options = optionsFor(bare);
      set.push({
        ...common,
        description: description(bare.summary, top),
        ...(options.length ? { options } : {}),
      });
      continue;
    }
    const subOptions: OptionJson[] = group.map((c) => {
      const options = optionsFor(c);
      return {
        type: OptionType.Subcommand,
        name: c.path.length === 2 ? discordName(c.path[1]) : BARE_SUBCOMMAND,
        description: description(c.summary, c.path.join(' ')),
        ...(options.length ? { options } : {}),
      };
    });
    set.push({
      ...common,
      description: description(`${top}: ${subOptions.map((s) => s.name).join(', ')}`, top),
      options: subOptions,
    });
  }
  return set;
}

/** Finds the registry command a slash command stands for. */
export function commandFor(
  commands: readonly AnyCommand[],
  name: string,
  subcommand: string | null,
): AnyCommand | undefined {
  const group = groupByTop(commands).get(name);
  if (!group) return undefined;
  if (subcommand === null) return group.find((c) => c.path.length === 1);
  return (
    group.find((c) => c.path.length === 2 && discordName(c.path[1]) === subcommand) ??
    (subcommand === BARE_SUBCOMMAND ? group.find((c) => c.path.length === 1) : undefined)
  );
}
