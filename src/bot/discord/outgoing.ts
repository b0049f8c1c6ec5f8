import { drawChartPng } from '../../charts/draw.js';
import type { Block, Reply } from '../../reply/reply.js';
import type { ActionRowJson, DiscordButtonStore } from './button-store.js';
import { type ChartPictures, type DiscordFile, renderDiscordReply } from './render.js';

export interface Outgoing {
  content: string;
  files: DiscordFile[];
  components: ActionRowJson[];
}

/** Nothing the bot says should ping anyone, whatever a niche or username happens to contain. */
const NO_MENTIONS = { parse: [] as [] };

/** Draws the reply's charts as PNGs (the Reply carries only their numbers), for the renderer to attach. */
async function drawCharts(r: Reply): Promise<ChartPictures> {
  const pictures = new Map<Block, Buffer>();
  for (const b of r.blocks) if (b.type === 'chart') pictures.set(b, await drawChartPng(b.chart));
  return pictures;
}

export async function buildOutgoing(r: Reply, buttons: DiscordButtonStore): Promise<Outgoing> {
  const rendered = renderDiscordReply(r, undefined, await drawCharts(r));
  return { ...rendered, components: await buttons.components(r.buttons) };
}

/**
 * Options for discord.js interaction replies and edits. `attachments: []` makes an edit replace the
 * previous attachments instead of adding to them (a page turned from a file to a code block).
 */
export function interactionOptions(out: Outgoing) {
  return {
    content: out.content,
    files: out.files.map((f) => ({ attachment: f.path ?? f.data, name: f.name })),
    components: out.components,
    attachments: [],
    allowedMentions: NO_MENTIONS,
  };
}

/** A REST request for POST/PATCH /channels/:id/messages, files as multipart uploads. */
export function restMessage(out: Outgoing) {
  return {
    body: {
      content: out.content,
      components: out.components,
      allowed_mentions: NO_MENTIONS,
      attachments: out.files.map((f, i) => ({ id: i, filename: f.name })),
    },
    files: out.files.map((f) => ({ name: f.name, data: f.data })),
  };
}
