import { DefaultRestOptions } from 'discord.js';

type MakeRequest = typeof DefaultRestOptions.makeRequest;

/**
 * @discordjs/rest hands a multipart body (attachments) to its own undici 6 as a FormData object, and
 * undici sends it through the process-wide dispatcher. In our process that dispatcher is often undici 7's
 * (the checker loads it first), which does not recognise another undici's FormData and fails with
 * "action is not a function". Serialising the form to bytes here, with its boundary in the header, makes
 * uploads work whichever undici owns the dispatcher.
 */
export const makeDiscordRequest: MakeRequest = async (url, init) => {
  if (!(init.body instanceof FormData)) return DefaultRestOptions.makeRequest(url, init);
  const encoded = new Response(init.body);
  const body = Buffer.from(await encoded.arrayBuffer());
  const headers = {
    ...(init.headers as Record<string, string> | undefined),
    'content-type': encoded.headers.get('content-type') ?? 'multipart/form-data',
  };
  return DefaultRestOptions.makeRequest(url, { ...init, body, headers });
};
