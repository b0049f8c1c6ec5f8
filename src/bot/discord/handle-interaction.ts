import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  MessageFlags,
} from 'discord.js';
import type { Logger } from '../../core/logger.js';
import type { ProgressMessages } from '../../delivery/progress.js';
import { type Reply, reply } from '../../reply/reply.js';
import { dispatch } from '../commands/dispatch.js';
import type { Actor, AnyCommand } from '../commands/types.js';
import { EXPIRED_BUTTON, pressedInvocation } from '../shared/button-press.js';
import { type ChatProgress, chatProgress } from '../shared/chat-progress.js';
import { type CommandBase, chatActor, commandContext } from '../shared/command-context.js';
import type { OwnerGate } from '../shared/owner-gate.js';
import { discardReplyFiles } from '../shared/reply-files.js';
import type { DiscordButtonStore } from './button-store.js';
import { commandFor, discordName } from './command-json.js';
import { invocationFrom } from './invocation.js';
import { nicheChoices } from './niche-choices.js';
import { buildOutgoing, interactionOptions } from './outgoing.js';
import { escapeText } from './render.js';

export const REFUSAL = 'This bot is private: only its owners can use it. Your attempt was logged.';

export interface InteractionDeps extends CommandBase {
  progress: ProgressMessages;
  commands: readonly AnyCommand[];
  buttons: DiscordButtonStore;
  gate: OwnerGate;
}

/** Autocomplete must be answered within Discord's 3 s; past this we answer with no choices. */
const AUTOCOMPLETE_BUDGET_MS = 2_000;

export async function handleInteraction(deps: InteractionDeps, interaction: Interaction, log: Logger) {
  if (interaction.isAutocomplete()) return handleAutocomplete(deps, interaction, log);
  if (interaction.isChatInputCommand()) return handleCommand(deps, interaction, log);
  if (interaction.isButton()) return handleButton(deps, interaction, log);
  log.debug({ type: interaction.type }, 'ignored an interaction type we do not use');
}

/** Discord's picker describes every command as "/" is typed, so help need not repeat the summaries. */
function discordActor(userId: string, chatId: string): Actor {
  return { ...chatActor('discord', userId, chatId), describesCommands: true };
}

async function refuse(
  deps: InteractionDeps,
  interaction: ChatInputCommandInteraction | ButtonInteraction,
  what: string,
  log: Logger,
) {
  const userId = interaction.user.id;
  // Answered first: recording the attempt must not eat into Discord's 3 s.
  await interaction.reply({
    content: REFUSAL,
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
  const recorded = await deps.gate.refuse({ userId, chatId: interaction.channelId ?? 'dm', what });
  log.warn({ recorded }, 'refused a user who is not an owner');
}

async function handleCommand(deps: InteractionDeps, interaction: ChatInputCommandInteraction, log: Logger) {
  const sub = interaction.options.getSubcommand(false);
  const name = `/${interaction.commandName}${sub ? ` ${sub}` : ''}`;
  if (!deps.gate.isOwner(interaction.user.id)) return refuse(deps, interaction, name, log);
  const command = commandFor(deps.commands, interaction.commandName, sub);
  if (!command) {
    await interaction.reply({
      content: `${name} is not a command of this version. Run \`storywatch discord register\` to refresh the list.`,
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  // Always deferred: the first answer is then well inside Discord's 3 s whatever the command does,
  // and credentials commands are ephemeral from the start, so nothing secret is ever in the channel.
  const ephemeral = command.sensitive === true;
  const deferred = await interaction.deferReply({
    ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
    withResponse: true,
  });
  const chatId = interaction.channelId ?? interaction.user.id;
  const built = invocationFrom(command, interaction.options);
  const progress = deferredReplyProgress(interaction, log);
  const result =
    'refusal' in built
      ? reply.error(built.refusal)
      : await dispatch(built.invocation, {
          ...commandContext(deps, discordActor(interaction.user.id, chatId), log),
          onProgress: progress.update,
        });
  await progress.finish();
  // The reply's message id is known from the deferral, so progress edits are pointed at it before the
  // reply is even edited: the batch may already be reporting progress by then.
  const messageId = deferred.interaction.responseMessageId;
  if (result.progressKey && messageId && !ephemeral && !result.ephemeral) {
    await deps.progress.remember({ platform: 'discord', chatId, replaceKey: result.progressKey, messageId });
  }
  await answer(deps, interaction, result, ephemeral);
}

/**
 * A long command's progress (a large import) shown in the deferred reply itself, which the report then
 * replaces: the channel keeps one message per command, and "thinking…" turns into how far it is
 * instead of a second message that would be left behind. discord.js queues requests to one message in
 * order, so the report cannot be overwritten by a late progress edit.
 */
function deferredReplyProgress(interaction: ChatInputCommandInteraction, log: Logger): ChatProgress {
  return chatProgress({
    log,
    async show(text) {
      await interaction.editReply({ content: escapeText(text), allowedMentions: { parse: [] } });
    },
  });
}

/** Edits the deferred reply; a reply marked ephemeral after a public deferral moves to an ephemeral follow-up. */
async function answer(
  deps: InteractionDeps,
  interaction: ChatInputCommandInteraction | ButtonInteraction,
  result: Reply,
  ephemeralAlready: boolean,
): Promise<void> {
  try {
    const options = interactionOptions(await buildOutgoing(result, deps.buttons));
    if (result.ephemeral && !ephemeralAlready) {
      await interaction.deleteReply().catch(() => undefined);
      await interaction.followUp({ ...options, flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.editReply(options);
  } finally {
    // A file block's temporary file (an export) is sent once: deleted whether or not that worked.
    await discardReplyFiles(result);
  }
}

async function handleButton(deps: InteractionDeps, interaction: ButtonInteraction, log: Logger) {
  if (!deps.gate.isOwner(interaction.user.id)) return refuse(deps, interaction, 'a button', log);
  const stored = await deps.buttons.resolve(interaction.customId);
  const invocation = pressedInvocation(stored);
  if (!invocation) {
    await interaction.reply({ content: EXPIRED_BUTTON, flags: MessageFlags.Ephemeral });
    return;
  }
  // The click turns the page in place: acknowledge as an update, then edit the message it is on.
  await interaction.deferUpdate();
  const chatId = interaction.channelId ?? interaction.user.id;
  const actor = discordActor(interaction.user.id, chatId);
  const result = await dispatch(
    invocation,
    commandContext(deps, actor, log.child({ button: stored?.command })),
  );
  const onEphemeral = interaction.message.flags.has(MessageFlags.Ephemeral);
  await answer(deps, interaction, result, onEphemeral);
}

async function handleAutocomplete(deps: InteractionDeps, interaction: AutocompleteInteraction, log: Logger) {
  if (!deps.gate.isOwner(interaction.user.id)) {
    await interaction.respond([]);
    await deps.gate.refuse({
      userId: interaction.user.id,
      chatId: interaction.channelId ?? 'dm',
      what: `autocomplete /${interaction.commandName}`,
    });
    return;
  }
  const command = commandFor(
    deps.commands,
    interaction.commandName,
    interaction.options.getSubcommand(false),
  );
  const focused = interaction.options.getFocused(true);
  const spec = command?.args.find((a) => discordName(a.name) === focused.name);
  if (!spec?.autocomplete) {
    await interaction.respond([]);
    return;
  }
  const source = spec.autocomplete;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), AUTOCOMPLETE_BUDGET_MS);
  });
  const choices = await Promise.race([nicheChoices(deps.core, source, String(focused.value)), late]).finally(
    () => clearTimeout(timer),
  );
  if (choices === 'late')
    log.warn({ option: focused.name }, 'autocomplete too slow; answered with no choices');
  await interaction.respond(choices === 'late' ? [] : choices);
}
