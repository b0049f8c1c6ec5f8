import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CommandServices } from '../bot/commands/types.js';
import { startDiscord } from '../bot/discord/index.js';
import { startTelegram } from '../bot/telegram/index.js';
import { startDeliveryWorker } from '../delivery/queue.js';
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
  const frontEnds: SupervisedFrontEnd[] = [];
  let telegramRoute: HttpRoute | undefined;

  const telegramToken = app.env.TELEGRAM_BOT_TOKEN;
  if (telegramToken) {
    const start = async () => {
      const tg = await startTelegram(app, services);
      telegramRoute = tg.webhookRoute;
      return tg;
    };
    frontEnds.push(superviseFrontEnd('telegram', start, log, [telegramToken]));
  } else {
    log.warn('Telegram front-end not configured (set TELEGRAM_BOT_TOKEN)');
  }

  const discordToken = app.env.DISCORD_TOKEN;
  if (discordToken) {
    frontEnds.push(superviseFrontEnd('discord', () => startDiscord(app, services), log, [discordToken]));
  } else {
    log.warn('Discord front-end not configured (set DISCORD_TOKEN)');
  }

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
    routes: () => (telegramRoute ? [telegramRoute] : []),
  };
}
