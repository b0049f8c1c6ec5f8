import { createHash } from 'node:crypto';
import { Telegraf } from 'telegraf';
import type { Logger } from '../../core/logger.js';
import { maskSecrets } from '../../core/mask.js';
import type { ProgressMessages } from '../../delivery/progress.js';
import type { ChatSender } from '../../delivery/types.js';
import type { ProcessDeps } from '../../runtime/deps.js';
import type { CommandBase } from '../shared/command-context.js';
import { withoutSecrets } from '../shared/internal-failure.js';
import { OwnerGate } from '../shared/owner-gate.js';
import { telegramMenu } from './bot-commands.js';
import { ButtonStore } from './button-store.js';
import { createChatQueue } from './chat-queue.js';
import { telegramChatSender } from './chat-sender.js';
import { type WebhookRoute, watchPolling, watchWebhook, webhookHandler } from './connection-watch.js';
import { deleteCredentials } from './delete-credentials.js';
import { acceptCallback, reportFailure, runCallback } from './handle-callback.js';
import { handleMessage } from './handle-update.js';
import { setPanelMenuButton } from './menu-button.js';
import { telegrafApi } from './telegraf-api.js';
import type { TgCallbackQuery, TgMessage, UpdateDeps } from './update-types.js';

export interface TelegramFrontEnd {
  stop(): Promise<void>;
  sender: ChatSender;
  isConnected(): boolean;
  /** Webhook mode (webhookUrl): the route the HTTP server must serve for Telegram's calls. */
  webhookRoute?: WebhookRoute;
}

/** What the Telegram front-end is started with (the bot role builds it from the env). */
export interface TelegramDeps extends ProcessDeps, CommandBase {
  progress: ProgressMessages;
  token: string;
  ownerIds: readonly string[];
  apiRoot: string;
  /** Set: Telegram calls this URL with updates (webhook mode); unset: long polling. */
  webhookUrl?: string;
}

export interface TelegramOptions {
  /** Webhook mode: how often Telegram is asked (getWebhookInfo) whether its deliveries reach us. */
  webhookCheckMs?: number;
  /** Webhook mode: for how long a failed delivery Telegram reports counts as "not connected". */
  webhookErrorWindowMs?: number;
}

const WEBHOOK_CHECK_MS = 30_000;
/** Telegram keeps reporting the last failed delivery after later ones succeed: only a recent one counts. */
const WEBHOOK_ERROR_WINDOW_MS = 5 * 60_000;

const ALLOWED_UPDATES: Array<'message' | 'callback_query'> = ['message', 'callback_query'];

/** A slow import must not be cut off by telegraf's default 90 s handler timeout. */
const HANDLER_TIMEOUT_MS = 15 * 60_000;

type Me = Awaited<ReturnType<Telegraf['telegram']['getMe']>>;

/** Whether the bot hears Telegram, as polling or the webhook checks last saw it. */
interface ConnectionState {
  connected: boolean;
  stopped: boolean;
  set(ok: boolean, why?: string): void;
}

/**
 * Starts the Telegram front-end with long polling (or on a webhook). Updates are handled one at a
 * time per chat (so a chat's commands keep their order) while other chats and the polling loop carry on.
 */
export async function startTelegram(
  deps: TelegramDeps,
  options: TelegramOptions = {},
): Promise<TelegramFrontEnd> {
  const { token } = deps;
  const log = deps.log.child({ platform: 'telegram' });
  const bot = new Telegraf(token, {
    telegram: { apiRoot: deps.apiRoot },
    handlerTimeout: HANDLER_TIMEOUT_MS,
  });
  // Telegram sends this header with every webhook call; derived from the token so it needs no setting.
  const secretToken = createHash('sha256').update(`storywatch-webhook:${token}`).digest('hex');
  const me = await introduce(bot, deps.webhookUrl, secretToken, token);
  bot.botInfo = me;
  await setPanelMenuButton(bot.telegram, deps.services.panelUrl, log);
  // Opened only once Telegram answered: a supervisor retrying a failed start must not pile up connections.
  const api = telegrafApi(bot.telegram);
  const redis = deps.redis('telegram');
  const buttons = new ButtonStore(redis, deps.queuePrefix);
  const gate = new OwnerGate('telegram', deps.ownerIds, redis, deps.queuePrefix, deps.core);
  const updateDeps: UpdateDeps = {
    ...commandBase(deps),
    progress: deps.progress,
    api,
    buttons,
    gate,
    botUsername: me.username,
  };
  const chats = createChatQueue();
  bot.use(updateMiddleware(updateDeps, chats.schedule, log, token));
  bot.catch((err) => log.error({ err: withoutSecrets(err, [token]) }, 'telegram middleware error'));

  const state = connectionState(log);
  watchPolling(bot, state.set);
  const receiving = deps.webhookUrl
    ? onWebhook(bot, deps.webhookUrl, secretToken, { options, state, log, me, token })
    : onPolling(bot, { state, log, me, token });
  return {
    sender: telegramChatSender(api, buttons, log.child({ component: 'sender' })),
    ...(receiving.webhookRoute ? { webhookRoute: receiving.webhookRoute } : {}),
    isConnected: () => state.connected && !state.stopped,
    async stop() {
      if (state.stopped) return;
      state.stopped = true;
      try {
        bot.stop('shutdown');
      } catch {
        // Webhook mode, or polling already ended on its own.
      }
      await receiving.stop();
      await chats.drain();
      log.info('telegram front-end stopped');
    },
  };
}

function commandBase(deps: CommandBase): CommandBase {
  return { core: deps.core, services: deps.services };
}

/** Tells Telegram who we are: getMe, the webhook (set or deleted) and the command menu. */
async function introduce(
  bot: Telegraf,
  webhookUrl: string | undefined,
  secretToken: string,
  token: string,
): Promise<Me> {
  try {
    const me = await bot.telegram.getMe();
    if (webhookUrl)
      await bot.telegram.setWebhook(webhookUrl, {
        secret_token: secretToken,
        allowed_updates: ALLOWED_UPDATES,
      });
    else await bot.telegram.deleteWebhook();
    await bot.telegram.setMyCommands(telegramMenu());
    return me;
  } catch (err) {
    throw new Error(
      `Telegram start failed: ${maskSecrets(err instanceof Error ? err.message : String(err), [token])}`,
    );
  }
}

/** Puts each update in its chat's turn; credentials are deleted and presses answered before that. */
function updateMiddleware(
  deps: UpdateDeps,
  schedule: (chatKey: string, work: () => Promise<void>) => void,
  log: Logger,
  token: string,
) {
  return async (ctx: { update: unknown }) => {
    const update = ctx.update as { update_id: number; message?: TgMessage; callback_query?: TgCallbackQuery };
    const msg = update.message;
    const cq = update.callback_query;
    const chatId = msg ? String(msg.chat.id) : cq?.message ? String(cq.message.chat.id) : undefined;
    const ulog = log.child({ updateId: update.update_id, chatId, userId: msg?.from?.id ?? cq?.from.id });
    const run = (work: () => Promise<void>) =>
      schedule(chatId ?? 'none', async () => {
        try {
          await work();
        } catch (err) {
          await reportFailure(deps, chatId, withoutSecrets(err, [token]), ulog);
        }
      });
    if (msg) {
      // Awaited here, before the chat's queue and before telegraf confirms the update to Telegram (the
      // next getUpdates, or the webhook's answer): see deleteCredentials.
      const source = await deleteCredentials(deps, msg, ulog);
      run(() => handleMessage(deps, msg, ulog, source));
    } else if (cq) {
      // Answered at once, before the chat's running command finishes; its place in the chat's order is
      // taken now, so two quick presses (or a press and a message) run in the order they came.
      const accepted = acceptCallback(deps, cq, ulog);
      // Handled where it is awaited below; this only keeps Node from calling it unhandled meanwhile.
      accepted.catch(() => {});
      run(async () => {
        const press = await accepted;
        if (press) await runCallback(deps, press, ulog);
      });
    }
  };
}

function connectionState(log: Logger): ConnectionState {
  const state: ConnectionState = {
    connected: true,
    stopped: false,
    set(ok, why) {
      if (ok !== state.connected)
        log[ok ? 'info' : 'warn']({ connected: ok, why }, 'telegram connection state changed');
      state.connected = ok;
    },
  };
  return state;
}

interface Receiving {
  webhookRoute?: WebhookRoute;
  stop(): Promise<void>;
}

interface ReceiveContext {
  state: ConnectionState;
  log: Logger;
  me: Me;
  token: string;
}

function onWebhook(
  bot: Telegraf,
  webhookUrl: string,
  secretToken: string,
  ctx: ReceiveContext & { options: TelegramOptions },
): Receiving {
  const path = new URL(webhookUrl).pathname;
  const stop = watchWebhook(bot, {
    everyMs: ctx.options.webhookCheckMs ?? WEBHOOK_CHECK_MS,
    errorWindowMs: ctx.options.webhookErrorWindowMs ?? WEBHOOK_ERROR_WINDOW_MS,
    mask: (err) => maskSecrets(err instanceof Error ? err.message : String(err), [ctx.token]),
    onState: ctx.state.set,
  });
  ctx.log.info({ bot: ctx.me.username, path }, 'telegram front-end on webhook');
  return { webhookRoute: { path, handle: webhookHandler(bot, secretToken) }, stop };
}

function onPolling(bot: Telegraf, ctx: ReceiveContext): Receiving {
  // launch() resolves only when polling stops; getMe is already done.
  const polling = bot.launch({ allowedUpdates: ALLOWED_UPDATES }).then(
    () => {
      ctx.state.connected = false;
    },
    (err: unknown) => {
      ctx.state.connected = false;
      ctx.log.error({ err: withoutSecrets(err, [ctx.token]) }, 'telegram polling stopped');
    },
  );
  ctx.log.info({ bot: ctx.me.username }, 'telegram front-end polling');
  return { stop: () => polling };
}
