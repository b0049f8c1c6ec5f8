import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Telegraf } from 'telegraf';

export type WebhookRoute = { path: string; handle(req: IncomingMessage, res: ServerResponse): Promise<void> };

/**
 * telegraf retries failed getUpdates calls on its own without telling anyone, so /healthz would call
 * the bot connected while Telegram is unreachable. Observing the calls is the one place this adapter
 * reaches into telegraf's client.
 */
export function watchPolling(bot: Telegraf, onState: (ok: boolean) => void): void {
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
export function webhookHandler(bot: Telegraf, secretToken: string): WebhookRoute['handle'] {
  return (req, res) => bot.webhookCallback(req.url ?? '/', { secretToken })(req, res);
}

/**
 * In webhook mode nothing of ours calls Telegram, so only Telegram can tell whether its deliveries
 * reach us: getWebhookInfo, asked every `everyMs`, reports the last failed one. Unreachable, a recent
 * failure, or no webhook set (another instance took over with polling) all mean not connected.
 * Returns the stop function, which waits for a check under way.
 */
export function watchWebhook(
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
