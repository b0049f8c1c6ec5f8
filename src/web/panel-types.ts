import type { BlockList } from 'node:net';
import type { HttpBindings } from '@hono/node-server';
import type { CommandBase } from '../bot/shared/command-context.js';
import type { PanelSession } from '../core/panel/index.js';
import type { LoginLimit } from './login-limit.js';

/** What the panel is built from: the same command base as the chat front-ends, and its own settings. */
export interface PanelDeps extends CommandBase {
  /** The Mini App login; absent without TELEGRAM_BOT_TOKEN (then it refuses). */
  telegram?: { botToken: string; ownerIds: readonly string[]; initDataMaxAge: number };
  /** The panel is reached over https (STORYWATCH_PUBLIC_URL): the cookie is Secure. */
  secureCookies: boolean;
  loginLimit: LoginLimit;
  /** TRUSTED_PROXY: sockets whose X-Forwarded-For names the client (client-address.ts); absent: none. */
  trustedProxies?: BlockList;
}

export type PanelEnv = {
  Bindings: HttpBindings;
  Variables: { session: PanelSession & { id: string }; csrf: string };
};
