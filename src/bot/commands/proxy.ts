import type { AnyCommand } from './types.js';

export const proxyCommands: AnyCommand[] = [];
