import type { CommandServices } from '../bot/commands/types.js';
import { trustedProxies } from '../web/client-address.js';
import { type PanelRoute, panelRoute } from '../web/index.js';
import type { AppContext } from './context.js';

/**
 * The web panel on HTTP_PORT under /panel, over the same commands and core as the chats. The Mini App
 * login is there when the Telegram bot is configured; cookies are Secure when the public URL is https.
 */
export function startWebRole(app: AppContext, services: CommandServices): PanelRoute | undefined {
  const { env, log } = app;
  if (env.HTTP_PORT === 0) {
    log.warn({ role: 'web' }, 'HTTP_PORT=0: the web panel is not served');
    return undefined;
  }
  const token = env.TELEGRAM_BOT_TOKEN;
  const route = panelRoute({
    core: app.core,
    services,
    secureCookies: env.STORYWATCH_PUBLIC_URL?.startsWith('https://') ?? false,
    trustedProxies: trustedProxies(env.TRUSTED_PROXY),
    ...(token
      ? {
          telegram: {
            botToken: token,
            ownerIds: env.TELEGRAM_OWNER_IDS,
            initDataMaxAge: env.PANEL_INIT_DATA_MAX_AGE,
          },
        }
      : {}),
  });
  log.info(
    { role: 'web', url: services.panelUrl ? `${services.panelUrl}/panel` : undefined },
    'web panel served under /panel',
  );
  return route;
}
