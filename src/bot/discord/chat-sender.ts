import { DiscordAPIError, HTTPError, RateLimitError, REST, Routes } from 'discord.js';
import { maskSecrets } from '../../core/mask.js';
import { type ChatSender, PermanentDeliveryError, RetryAfterError } from '../../delivery/types.js';
import type { Reply } from '../../reply/reply.js';
import type { DiscordButtonStore } from './button-store.js';
import { buildOutgoing, restMessage } from './outgoing.js';
import { makeDiscordRequest } from './rest-request.js';

/** Discord error codes that mean "this channel will not take our messages", whatever the status. */
const PERMANENT_CODES = new Set([
  10003, // Unknown Channel
  50001, // Missing Access
  50013, // Missing Permissions
  50007, // Cannot send messages to this user
]);
const UNKNOWN_MESSAGE = 10008;

/**
 * The REST client the delivery queue sends through. @discordjs/rest would otherwise wait out a 429 by
 * itself (and retry 5xx three times) inside one job, invisible to the queue and holding a worker slot;
 * with `rejectOnRateLimit` it throws a RateLimitError instead (also when its own bucket bookkeeping
 * says the next request would be limited), which becomes a RetryAfterError the queue honours by
 * delaying the job for retry_after. `retries: 0` leaves 5xx backoff to the queue as well.
 */
export function deliveryRest(api: string, token: string): REST {
  return new REST({
    api,
    rejectOnRateLimit: () => true,
    retries: 0,
    makeRequest: makeDiscordRequest,
  }).setToken(token);
}

/** Maps a Discord refusal onto what the delivery queue does with it. */
export function toDeliveryError(err: unknown, secrets: readonly string[] = []): Error {
  const text = (e: unknown) => maskSecrets(e instanceof Error ? e.message : String(e), secrets);
  if (err instanceof RateLimitError)
    return new RetryAfterError(`Discord rate limit on ${err.route}`, Math.max(err.retryAfter, 0));
  if (err instanceof DiscordAPIError) {
    const code = typeof err.code === 'number' ? err.code : Number(err.code);
    if (err.status === 403 || err.status === 404 || PERMANENT_CODES.has(code))
      return new PermanentDeliveryError(
        `Discord refused: ${text(err)} (HTTP ${err.status}, code ${code})`,
        err.status,
      );
    return new Error(`Discord answered HTTP ${err.status}: ${text(err)}`);
  }
  if (err instanceof HTTPError) return new Error(`Discord answered HTTP ${err.status} ${err.name}`);
  return new Error(text(err));
}

function isUnknownMessage(err: unknown): boolean {
  return err instanceof DiscordAPIError && Number(err.code) === UNKNOWN_MESSAGE;
}

/** The delivery queue's view of Discord: digests, batch summaries and progress edits in channels. */
export function discordChatSender(
  rest: REST,
  buttons: DiscordButtonStore,
  secrets: readonly string[],
): ChatSender {
  return {
    platform: 'discord',
    async send(chatId: string, r: Reply, options: { replaceMessageId?: string } = {}): Promise<string> {
      try {
        const request = restMessage(await buildOutgoing(r, buttons));
        if (options.replaceMessageId) {
          try {
            const edited = (await rest.patch(
              Routes.channelMessage(chatId, options.replaceMessageId),
              request,
            )) as {
              id: string;
            };
            return edited.id;
          } catch (err) {
            // The progress message was deleted by someone: post a new one rather than lose the update.
            if (!isUnknownMessage(err)) throw err;
          }
        }
        const sent = (await rest.post(Routes.channelMessages(chatId), request)) as { id: string };
        return sent.id;
      } catch (err) {
        throw toDeliveryError(err, secrets);
      }
    },
  };
}
