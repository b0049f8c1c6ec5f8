import type { AnyCommand } from './types.js';

export const importCommands: AnyCommand[] = [];
