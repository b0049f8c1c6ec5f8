import type { CoreDeps } from '../../core/deps.js';
import type { Logger } from '../../core/logger.js';
import type { ChatPlatform } from '../../delivery/types.js';
import type { Actor, CommandContext, CommandServices } from '../commands/types.js';

/** What every front-end hands each command it runs. */
export interface CommandBase {
  core: CoreDeps;
  services: CommandServices;
}

/** The context one command runs in: the front-end's core and services, logging under `log`. */
export function commandContext(base: CommandBase, actor: Actor, log: Logger): CommandContext {
  return { core: { ...base.core, log }, actor, services: base.services };
}

/** Someone in a chat: commands are written with `/`, and batch progress is posted there and edited. */
export function chatActor(platform: ChatPlatform, userId: string, chatId: string): Actor {
  return { platform, userId, chatId, commandPrefix: '/', seesProgress: true };
}
