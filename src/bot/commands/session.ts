import type { AnyCommand } from './types.js';

export const sessionCommands: AnyCommand[] = [];
