import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Telegraf } from 'telegraf';
import type { AppContext } from '../../app/context.js';
import { maskSecrets } from '../../core/mask.js';
import type { ChatSender } from '../../delivery/types.js';
import type { CommandServices } from '../commands/types.js';
import { TELEGRAM_MENU } from './bot-commands.js';
import { ButtonStore } from './button-store.js';
import { telegramChatSender } from './chat-sender.js';
import {
  acceptCallback,
  deleteCredentials,
  handleMessage,
  reportFailure,
  runCallback,
  type TgCallbackQuery,
  type TgMessage,
  type UpdateDeps,
} from './handle-update.js';
import { OwnerGate } from './owner-gate.js';
import { telegrafApi } from './telegraf-api.js';

export interface TelegramFrontEnd {
  stop(): Promise<void>;
  sender: ChatSender;
  isConnected(): boolean;
  /** Webhook mode (TELEGRAM_WEBHOOK_URL): the route the HTTP server must serve for Telegram's calls. */
  webhookRoute?: WebhookRoute;
}

type WebhookRoute = { path: string; handle(req: IncomingMessage, res: ServerResponse): Promise<void> };

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

/**
 * Starts the Telegram front-end with long polling. Updates are handled one at a time per chat (so a
 * chat's commands keep their order) while other chats and the polling loop carry on.
 */
export async function startTelegram(
  app: AppContext,
  services: CommandServices,
  options: TelegramOptions = {},
): Promise<TelegramFrontEnd> {
  const token = app.env.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  const mask = (err: unknown) => maskSecrets(err instanceof Error ? err.message : String(err), [token]);
  const log = app.log.child({ platform: 'telegram' });

  const bot = new Telegraf(token, {
    telegram: { apiRoot: app.env.TELEGRAM_API_ROOT },
    handlerTimeout: HANDLER_TIMEOUT_MS,
  });

  const webhookUrl = app.env.TELEGRAM_WEBHOOK_URL;
  // Telegram sends this header with every webhook call; derived from the token so it needs no setting.
  const secretToken = createHash('sha256').update(`storywatch-webhook:${token}`).digest('hex');
  let me: Awaited<ReturnType<typeof bot.telegram.getMe>>;
  try {
    me = await bot.telegram.getMe();
    if (webhookUrl)
      await bot.telegram.setWebhook(webhookUrl, {
        secret_token: secretToken,
        allowed_updates: ALLOWED_UPDATES,
      });
    else await bot.telegram.deleteWebhook();
    await bot.telegram.setMyCommands([...TELEGRAM_MENU]);
  } catch (err) {
    throw new Error(`Telegram start failed: ${mask(err)}`);
  }
  bot.botInfo = me;
  // Opened only once Telegram answered: a supervisor retrying a failed start must not pile up connections.
  const api = telegrafApi(bot.telegram);
  const redis = app.redis('telegram');
  const buttons = new ButtonStore(redis, app.env.QUEUE_PREFIX);
  const gate = new OwnerGate(app.env.TELEGRAM_OWNER_IDS, redis, app.env.QUEUE_PREFIX, app.core);
  const deps: UpdateDeps = { app, services, api, buttons, gate, botUsername: me.username };

  const chains = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  const schedule = (chatKey: string, work: () => Promise<void>) => {
    const previous = chains.get(chatKey) ?? Promise.resolve();
    const next = previous.then(work);
    chains.set(chatKey, next);
    inFlight.add(next);
    void next.finally(() => {
      inFlight.delete(next);
      if (chains.get(chatKey) === next) chains.delete(chatKey);
    });
  };

  bot.use(async (ctx) => {
    const update = ctx.update as { update_id: number; message?: TgMessage; callback_query?: TgCallbackQuery };
    const msg = update.message;
    const cq = update.callback_query;
    const chatId = msg ? String(msg.chat.id) : cq?.message ? String(cq.message.chat.id) : undefined;
    const userId = msg?.from?.id ?? cq?.from.id;
    const ulog = log.child({ updateId: update.update_id, chatId, userId });
    const run = (work: () => Promise<void>) =>
      schedule(chatId ?? 'none', async () => {
        try {
          await work();
        } catch (err) {
          await reportFailure(deps, chatId, new Error(mask(err)), ulog);
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
  });
  bot.catch((err) => log.error({ errMessage: mask(err) }, 'telegram middleware error'));

  let connected = true;
  let stopped = false;
  const setConnected = (ok: boolean, why?: string) => {
    if (ok !== connected)
      log[ok ? 'info' : 'warn']({ connected: ok, why }, 'telegram connection state changed');
    connected = ok;
  };
  watchPolling(bot, setConnected);
  let polling: Promise<void> = Promise.resolve();
  let webhookRoute: WebhookRoute | undefined;
  let stopWatching = async () => {};
  if (webhookUrl) {
    const path = new URL(webhookUrl).pathname;
    webhookRoute = { path, handle: webhookHandler(bot, secretToken) };
    stopWatching = watchWebhook(bot, {
      everyMs: options.webhookCheckMs ?? WEBHOOK_CHECK_MS,
      errorWindowMs: options.webhookErrorWindowMs ?? WEBHOOK_ERROR_WINDOW_MS,
      mask,
      onState: setConnected,
    });
    log.info({ bot: me.username, path }, 'telegram front-end on webhook');
  } else {
    // launch() resolves only when polling stops; getMe is already done above.
    polling = bot.launch({ allowedUpdates: ALLOWED_UPDATES }).then(
      () => {
        connected = false;
      },
      (err: unknown) => {
        connected = false;
        log.error({ errMessage: mask(err) }, 'telegram polling stopped');
      },
    );
    log.info({ bot: me.username }, 'telegram front-end polling');
  }

  return {
    sender: telegramChatSender(api, buttons, log.child({ component: 'sender' })),
    ...(webhookRoute ? { webhookRoute } : {}),
    isConnected: () => connected && !stopped,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        bot.stop('shutdown');
      } catch {
        // Webhook mode, or polling already ended on its own.
      }
      await Promise.all([polling, stopWatching()]);
      await Promise.allSettled([...inFlight]);
      log.info('telegram front-end stopped');
    },
  };
}

/**
 * telegraf retries failed getUpdates calls on its own without telling anyone, so /healthz would call
 * the bot connected while Telegram is unreachable. Observing the calls is the one place this adapter
 * reaches into telegraf's client.
 */
function watchPolling(bot: Telegraf, onState: (ok: boolean) => void): void {
  const client = bot.telegram;
  const callApi = client.callApi.bind(client);
  client.callApi = (async (method: Parameters<typeof callApi>[0], payload: never, options?: never) => {
    try {
      const result = await callApi(method, payload, options);
      if (method === 'getUpdates') onState(true);
      return result;
    } catch (err) {
      if (method === 'getUpdates' && !(err instanceof Error && err.name === 'AbortError')) onState(false);
      throw err;
    }
  }) as typeof client.callApi;
}

/**
 * Telegram calls the webhook URL exactly as set, query string included, while telegraf compares the
 * path it was given with the whole request URL: a query in TELEGRAM_WEBHOOK_URL made every update a
 * 403. The HTTP server has matched the route by path already, so telegraf is handed the URL actually
 * called; its secret-token check, the real guard, still refuses unsigned calls.
 */
function webhookHandler(bot: Telegraf, secretToken: string): WebhookRoute['handle'] {
  return (req, res) => bot.webhookCallback(req.url ?? '/', { secretToken })(req, res);
}

/**
 * In webhook mode nothing of ours calls Telegram, so only Telegram can tell whether its deliveries
 * reach us: getWebhookInfo, asked every `everyMs`, reports the last failed one. Unreachable, a recent
 * failure, or no webhook set (another instance took over with polling) all mean not connected.
 * Returns the stop function, which waits for a check under way.
 */
function watchWebhook(
  bot: Telegraf,
  opts: {
    everyMs: number;
    errorWindowMs: number;
    mask(err: unknown): string;
    onState(ok: boolean, why?: string): void;
  },
): () => Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const check = async () => {
    try {
      const info = await bot.telegram.getWebhookInfo();
      const problem = webhookProblem(info, Date.now() - opts.errorWindowMs);
      opts.onState(problem === undefined, problem === undefined ? undefined : opts.mask(problem));
    } catch (err) {
      opts.onState(false, `getWebhookInfo failed: ${opts.mask(err)}`);
    }
  };
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = check().finally(next);
    }, opts.everyMs);
    // Health watching alone must not keep the process alive.
    timer.unref();
  };
  next();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

type WebhookInfo = Awaited<ReturnType<Telegraf['telegram']['getWebhookInfo']>>;

/** Why Telegram's webhook info says its updates do not reach us, or undefined when they do. */
function webhookProblem(
  info: Pick<WebhookInfo, 'url' | 'last_error_date' | 'last_error_message'>,
  recentSinceMs: number,
): string | undefined {
  if (!info.url) return 'no webhook is set';
  if (info.last_error_date !== undefined && info.last_error_date * 1000 >= recentSinceMs)
    return `Telegram's last delivery failed: ${info.last_error_message ?? 'no reason given'}`;
  return undefined;
}
