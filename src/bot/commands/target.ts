import type { AnyCommand } from './types.js';

export const targetCommands: AnyCommand[] = [];
