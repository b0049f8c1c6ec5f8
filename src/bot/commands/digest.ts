import type { AnyCommand } from './types.js';

export const digestCommands: AnyCommand[] = [];
