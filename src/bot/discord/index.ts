import { Client, Events, type Interaction, MessageFlags, Status } from 'discord.js';
import type { Logger } from '../../core/logger.js';
import { maskSecrets } from '../../core/mask.js';
import type { ProgressMessages } from '../../delivery/progress.js';
import type { ChatSender } from '../../delivery/types.js';
import type { ProcessDeps } from '../../runtime/deps.js';
import { commands } from '../commands/registry.js';
import type { CommandBase } from '../shared/command-context.js';
import { internalFailure, withoutSecrets } from '../shared/internal-failure.js';
import { OwnerGate } from '../shared/owner-gate.js';
import { DiscordButtonStore } from './button-store.js';
import { deliveryRest, discordChatSender } from './chat-sender.js';
import { handleInteraction, type InteractionDeps } from './handle-interaction.js';
import { type DiscordApplication, registerDiscordCommands } from './register.js';
import { makeDiscordRequest } from './rest-request.js';

export { type DiscordApplication, registerDiscordCommands } from './register.js';

export interface DiscordFrontEnd {
  stop(): Promise<void>;
  sender: ChatSender;
  isConnected(): boolean;
}

/** What the Discord front-end is started with (the bot role builds it from the env). */
export interface DiscordDeps extends ProcessDeps, CommandBase, DiscordApplication {
  token: string;
  progress: ProgressMessages;
  ownerIds: readonly string[];
}

/** A gateway that never says READY must not hang start-up; the supervisor retries with backoff. */
const LOGIN_TIMEOUT_MS = 60_000;
/** How long shutdown waits for commands already running to answer. */
const DRAIN_TIMEOUT_MS = 20_000;

/**
 * Starts the Discord front-end: puts the slash commands (idempotent), connects the gateway, answers
 * interactions through the shared command layer, and returns the sender the delivery queue uses for
 * digests, summaries and progress edits. The token is never logged.
 */
export async function startDiscord(deps: DiscordDeps): Promise<DiscordFrontEnd> {
  const { token } = deps;
  const log = deps.log.child({ platform: 'discord' });
  try {
    await registerDiscordCommands(deps, { log });
  } catch (err) {
    // The commands registered earlier keep working; a bad set is a bug to fix, not a reason to stay offline.
    log.error({ err: withoutSecrets(err, [token]) }, 'discord commands could not be registered');
  }

  const redis = deps.redis('discord');
  const interactionDeps: InteractionDeps = {
    core: deps.core,
    services: deps.services,
    progress: deps.progress,
    commands,
    buttons: new DiscordButtonStore(redis, deps.queuePrefix),
    gate: new OwnerGate('discord', deps.ownerIds, redis, deps.queuePrefix, deps.core),
  };
  // Interactions need no privileged intents; the bot reads no messages.
  const client = new Client({ intents: [], rest: { api: deps.apiUrl, makeRequest: makeDiscordRequest } });
  const interactions = listen(client, interactionDeps, log, token);
  try {
    await login(client, token);
  } catch (err) {
    await client.destroy().catch(() => undefined);
    // The supervisor retries start-up; each failed attempt must not leave a Redis connection behind.
    await redis.quit().catch(() => undefined);
    throw new Error(
      `Discord start failed: ${maskSecrets(err instanceof Error ? err.message : String(err), [token])}`,
    );
  }
  log.info({ bot: client.user?.tag }, 'discord front-end connected');

  return {
    sender: discordChatSender(deliveryRest(deps.apiUrl, token), interactionDeps.buttons, [token]),
    isConnected: () => !interactions.stopped && client.ws.status === Status.Ready,
    async stop() {
      if (interactions.stopped) return;
      interactions.stopped = true;
      await interactions.drain();
      await client.destroy();
      log.info('discord front-end stopped');
    },
  };
}

/** Answers interactions as they come, each on its own; `drain` waits (for a while) for those running. */
function listen(client: Client, deps: InteractionDeps, log: Logger, token: string) {
  const inFlight = new Set<Promise<void>>();
  const state = {
    stopped: false,
    async drain() {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise((resolve) => {
        timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
      });
      await Promise.race([Promise.allSettled([...inFlight]), late]);
      clearTimeout(timer);
    },
  };
  client.on(Events.InteractionCreate, (interaction) => {
    if (state.stopped) return;
    const ilog = log.child({
      interactionId: interaction.id,
      userId: interaction.user.id,
      channelId: interaction.channelId,
    });
    const work = handleInteraction(deps, interaction, ilog).catch((err: unknown) =>
      reportFailure(interaction, withoutSecrets(err, [token]), ilog),
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  client.on(Events.Error, (err) => log.error({ err: withoutSecrets(err, [token]) }, 'discord client error'));
  client.on(Events.ShardDisconnect, (event) =>
    log.warn({ code: event.code }, 'discord gateway closed for good'),
  );
  client.on(Events.ShardReconnecting, () => log.info('discord gateway reconnecting'));
  return state;
}

/** Logs in and waits for READY, or fails after LOGIN_TIMEOUT_MS. */
async function login(client: Client, token: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.login(token),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('no READY from the Discord gateway in time')),
          LOGIN_TIMEOUT_MS,
        );
      }),
    ]);
    if (!client.isReady()) await new Promise((resolve) => client.once(Events.ClientReady, resolve));
  } finally {
    clearTimeout(timer);
  }
}

/** Last resort for a failure outside dispatch (Discord or Redis unreachable): log, and try to say so. */
async function reportFailure(interaction: Interaction, err: Error, log: Logger): Promise<void> {
  const { text: content } = internalFailure(log, err, 'discord interaction failed');
  if (!interaction.isRepliable()) return;
  try {
    if (interaction.deferred || interaction.replied) await interaction.editReply({ content, components: [] });
    else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  } catch {
    // Discord itself is the problem; the log entry is all we can do.
  }
}
