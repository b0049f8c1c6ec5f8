import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CommandServices } from '../bot/commands/types.js';
import { type DiscordDeps, startDiscord } from '../bot/discord/index.js';
import { startTelegram, type TelegramDeps } from '../bot/telegram/index.js';
import { createProgressMessages, type ProgressMessages } from '../delivery/progress.js';
import { startDeliveryWorker } from '../delivery/worker.js';
import type { AppContext } from './context.js';
import { type SupervisedFrontEnd, superviseFrontEnd } from './front-ends.js';
import type { Shutdown } from './shutdown.js';

export interface HttpRoute {
  path: string;
  handle(req: IncomingMessage, res: ServerResponse): unknown;
}

export interface BotRole {
  bots(): Array<{ platform: string; connected: boolean }>;
  routes(): HttpRoute[];
}

/** A front-end that cannot connect at boot must not hold the other roles back longer than this. */
const FRONT_END_START_WAIT_MS = 20_000;

/** The Telegram front-end's dependencies, from the env; undefined without TELEGRAM_BOT_TOKEN. */
export function telegramDeps(
  app: AppContext,
  services: CommandServices,
  progress: ProgressMessages,
): TelegramDeps | undefined {
  const token = app.env.TELEGRAM_BOT_TOKEN;
  if (!token) return undefined;
  const { core, log, redis, queuePrefix, env } = app;
  return {
    ...{ core, log, redis, queuePrefix, services, progress, token },
    ownerIds: env.TELEGRAM_OWNER_IDS,
    apiRoot: env.TELEGRAM_API_ROOT,
    ...(env.TELEGRAM_WEBHOOK_URL ? { webhookUrl: env.TELEGRAM_WEBHOOK_URL } : {}),
  };
}

/** The Discord front-end's dependencies, from the env; undefined without DISCORD_TOKEN. */
export function discordDeps(
  app: AppContext,
  services: CommandServices,
  progress: ProgressMessages,
): DiscordDeps | undefined {
  const token = app.env.DISCORD_TOKEN;
  if (!token) return undefined;
  const { core, log, redis, queuePrefix, env } = app;
  return {
    ...{ core, log, redis, queuePrefix, services, progress, token },
    ownerIds: env.DISCORD_OWNER_IDS,
    apiUrl: env.DISCORD_API_URL,
    applicationId: env.DISCORD_APPLICATION_ID,
    guildId: env.DISCORD_GUILD_ID,
  };
}

/** The front-ends that have tokens, each kept trying by a supervisor. */
function superviseFrontEnds(
  app: AppContext,
  services: CommandServices,
  progress: ProgressMessages,
  log: AppContext['log'],
): { frontEnds: SupervisedFrontEnd[]; telegramRoute(): HttpRoute | undefined } {
  const frontEnds: SupervisedFrontEnd[] = [];
  let telegramRoute: HttpRoute | undefined;
  const telegram = telegramDeps(app, services, progress);
  if (telegram) {
    const start = async () => {
      const tg = await startTelegram(telegram);
      telegramRoute = tg.webhookRoute;
      return tg;
    };
    frontEnds.push(superviseFrontEnd('telegram', start, log, [telegram.token]));
  } else {
    log.warn('Telegram front-end not configured (set TELEGRAM_BOT_TOKEN)');
  }
  const discord = discordDeps(app, services, progress);
  if (discord) {
    frontEnds.push(superviseFrontEnd('discord', () => startDiscord(discord), log, [discord.token]));
  } else {
    log.warn('Discord front-end not configured (set DISCORD_TOKEN)');
  }
  return { frontEnds, telegramRoute: () => telegramRoute };
}

/**
 * The chat front-ends that have tokens, and the delivery worker that sends what other roles queued
 * (digests, batch progress and summaries) through them.
 */
export async function startBotRole(
  app: AppContext,
  services: CommandServices,
  shutdown: Shutdown,
): Promise<BotRole> {
  const log = app.log.child({ role: 'bot' });
  const progress = createProgressMessages(app);
  // Closed after the front-ends have stopped (stoppers run last-registered first).
  shutdown.add('progress messages', () => progress.close());
  const { frontEnds, telegramRoute } = superviseFrontEnds(app, services, progress, log);
  if (frontEnds.length === 0) {
    log.warn('no chat front-end configured: digests and batch summaries stay queued');
    return { bots: () => [], routes: () => [] };
  }

  await Promise.race([
    Promise.all(frontEnds.map((f) => f.firstAttempt)),
    new Promise((resolve) => setTimeout(resolve, FRONT_END_START_WAIT_MS).unref()),
  ]);
  // The front-ends stop after the delivery worker (stoppers run last-registered first), so a delivery
  // in flight at shutdown still has its sender.
  shutdown.add('chat front-ends', async () => {
    await Promise.all(frontEnds.map((f) => f.stop()));
  });
  const senders = Object.fromEntries(frontEnds.map((f) => [f.platform, f.sender]));
  const deliveries = startDeliveryWorker(app, senders);
  shutdown.add('delivery worker', () => deliveries.close());

  return {
    bots: () => frontEnds.map((f) => ({ platform: f.platform, connected: f.isConnected() })),
    routes: () => {
      const route = telegramRoute();
      return route ? [route] : [];
    },
  };
}
