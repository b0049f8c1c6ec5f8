import { REST, Routes } from 'discord.js';
import type { Logger } from '../../core/logger.js';
import { maskSecrets } from '../../core/mask.js';
import { commands as registry } from '../commands/registry.js';
import type { AnyCommand } from '../commands/types.js';
import { buildCommandSet, type CommandJson, type OptionJson } from './command-json.js';
import { makeDiscordRequest } from './rest-request.js';

export interface RegisterResult {
  scope: 'guild' | 'global';
  /** False when Discord already had exactly this command set (nothing was written). */
  changed: boolean;
  count: number;
  names: string[];
}

/** The Discord application the commands belong to (DISCORD_TOKEN, DISCORD_APPLICATION_ID, ...). */
export interface DiscordApplication {
  token?: string | undefined;
  applicationId?: string | undefined;
  /** Set: the commands go on this guild only, where updates show at once. */
  guildId?: string | undefined;
  apiUrl: string;
}

/**
 * Puts the slash-command set on one guild (DISCORD_GUILD_ID: updates show at once) or globally. It
 * reads the current set first and writes only when it differs, so running it at every start-up and
 * from `storywatch discord register` is idempotent and cheap.
 */
export async function registerDiscordCommands(
  app: DiscordApplication,
  options: { rest?: REST; log?: Logger; commands?: readonly AnyCommand[] } = {},
): Promise<RegisterResult> {
  const token = app.token;
  const appId = app.applicationId;
  if (!token || !appId)
    throw new Error('Set DISCORD_TOKEN and DISCORD_APPLICATION_ID to register Discord commands');
  const rest = options.rest ?? new REST({ api: app.apiUrl, makeRequest: makeDiscordRequest }).setToken(token);
  const route = app.guildId
    ? Routes.applicationGuildCommands(appId, app.guildId)
    : Routes.applicationCommands(appId);
  const scope = app.guildId ? 'guild' : 'global';
  const desired = buildCommandSet(options.commands ?? registry);
  const names = desired.map((c) => c.name);
  try {
    const current = (await rest.get(route)) as unknown[];
    if (sameCommandSet(current, desired)) {
      options.log?.info({ scope, count: desired.length }, 'discord commands already up to date');
      return { scope, changed: false, count: desired.length, names };
    }
    await rest.put(route, { body: desired });
  } catch (err) {
    throw new Error(
      `Registering Discord commands failed: ${maskSecrets(err instanceof Error ? err.message : String(err), [token])}`,
    );
  }
  options.log?.info({ scope, count: desired.length }, 'discord commands registered');
  return { scope, changed: true, count: desired.length, names };
}

/** Compares what Discord holds with what we would send, ignoring ids, versions and Discord's defaults. */
export function sameCommandSet(current: readonly unknown[], desired: readonly CommandJson[]): boolean {
  if (current.length !== desired.length) return false;
  const canon = (list: readonly unknown[]) =>
    JSON.stringify([...list].map((c) => canonicalCommand(c as Record<string, unknown>)).sort(byName));
  return canon(current) === canon(desired);
}

function byName(a: { name: unknown }, b: { name: unknown }): number {
  return String(a.name).localeCompare(String(b.name));
}

function canonicalCommand(c: Record<string, unknown>) {
  return {
    name: c.name,
    description: c.description,
    type: c.type ?? 1,
    default_member_permissions: c.default_member_permissions ?? null,
    contexts: Array.isArray(c.contexts) ? [...c.contexts].sort() : null,
    integration_types: Array.isArray(c.integration_types) ? [...c.integration_types].sort() : null,
    options: ((c.options as OptionJson[] | undefined) ?? []).map(canonicalOption),
  };
}

function canonicalOption(o: OptionJson): Record<string, unknown> {
  return {
    type: o.type,
    name: o.name,
    description: o.description,
    required: o.required ?? false,
    autocomplete: o.autocomplete ?? false,
    min_value: o.min_value ?? null,
    max_value: o.max_value ?? null,
    min_length: o.min_length ?? null,
    max_length: o.max_length ?? null,
    choices: (o.choices ?? []).map((ch) => ({ name: ch.name, value: ch.value })),
    options: (o.options ?? []).map(canonicalOption),
  };
}
