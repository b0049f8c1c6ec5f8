import { randomBytes } from 'node:crypto';
import { Client, Events, type Interaction, MessageFlags, Status } from 'discord.js';
import type { AppContext } from '../../app/context.js';
import type { Logger } from '../../core/logger.js';
import { maskSecrets } from '../../core/mask.js';
import type { ChatSender } from '../../delivery/types.js';
import { commands } from '../commands/registry.js';
import type { CommandServices } from '../commands/types.js';
import { DiscordButtonStore } from './button-store.js';
import { deliveryRest, discordChatSender } from './chat-sender.js';
import { handleInteraction, type InteractionDeps } from './handle-interaction.js';
import { DiscordOwnerGate } from './owner-gate.js';
import { registerDiscordCommands } from './register.js';
import { makeDiscordRequest } from './rest-request.js';

export { registerDiscordCommands } from './register.js';

export interface DiscordFrontEnd {
  stop(): Promise<void>;
  sender: ChatSender;
  isConnected(): boolean;
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
export async function startDiscord(app: AppContext, services: CommandServices): Promise<DiscordFrontEnd> {
  const token = app.env.DISCORD_TOKEN;
  if (!token) throw new Error('DISCORD_TOKEN is not set');
  const mask = (err: unknown) => maskSecrets(err instanceof Error ? err.message : String(err), [token]);
  const log = app.log.child({ platform: 'discord' });

  try {
    await registerDiscordCommands(app.env, { log });
  } catch (err) {
    // The commands registered earlier keep working; a bad set is a bug to fix, not a reason to stay offline.
    log.error({ errMessage: mask(err) }, 'discord commands could not be registered');
  }

  const redis = app.redis('discord');
  const deps: InteractionDeps = {
    app,
    services,
    commands,
    buttons: new DiscordButtonStore(redis, app.env.QUEUE_PREFIX),
    gate: new DiscordOwnerGate(app.env.DISCORD_OWNER_IDS, redis, app.env.QUEUE_PREFIX, app.core),
  };

  // Interactions need no privileged intents; the bot reads no messages.
  const client = new Client({
    intents: [],
    rest: { api: app.env.DISCORD_API_URL, makeRequest: makeDiscordRequest },
  });
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  client.on(Events.InteractionCreate, (interaction) => {
    if (stopped) return;
    const ilog = log.child({
      interactionId: interaction.id,
      userId: interaction.user.id,
      channelId: interaction.channelId,
    });
    const work = handleInteraction(deps, interaction, ilog).catch((err: unknown) =>
      reportFailure(
        interaction,
        mask(err),
        ilog,
        err instanceof Error ? maskSecrets(err.stack ?? '', [token]) : undefined,
      ),
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  client.on(Events.Error, (err) => log.error({ errMessage: mask(err) }, 'discord client error'));
  client.on(Events.ShardDisconnect, (event) =>
    log.warn({ code: event.code }, 'discord gateway closed for good'),
  );
  client.on(Events.ShardReconnecting, () => log.info('discord gateway reconnecting'));

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
  } catch (err) {
    await client.destroy().catch(() => undefined);
    // The supervisor retries start-up; each failed attempt must not leave a Redis connection behind.
    await redis.quit().catch(() => undefined);
    throw new Error(`Discord start failed: ${mask(err)}`);
  } finally {
    clearTimeout(timer);
  }
  log.info({ bot: client.user?.tag }, 'discord front-end connected');

  return {
    sender: discordChatSender(deliveryRest(app.env.DISCORD_API_URL, token), deps.buttons, [token]),
    isConnected: () => !stopped && client.ws.status === Status.Ready,
    async stop() {
      if (stopped) return;
      stopped = true;
      let drainTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => {
          drainTimer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(drainTimer);
      await client.destroy();
      log.info('discord front-end stopped');
    },
  };
}

/** Last resort for a failure outside dispatch (Discord or Redis unreachable): log, and try to say so. */
async function reportFailure(
  interaction: Interaction,
  message: string,
  log: Logger,
  stack?: string,
): Promise<void> {
  const ref = randomBytes(4).toString('hex');
  log.error({ ref, errMessage: message, stack }, 'discord interaction failed');
  if (!interaction.isRepliable()) return;
  const content = `Something failed on our side (logged as ${ref}). Nothing was changed unless a reply said so.`;
  try {
    if (interaction.deferred || interaction.replied) await interaction.editReply({ content, components: [] });
    else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  } catch {
    // Discord itself is the problem; the log entry is all we can do.
  }
}
