import type { AnyCommand } from './types.js';

export const nicheCommands: AnyCommand[] = [];
