import type { AnyCommand } from './types.js';

export const statsCommands: AnyCommand[] = [];
