import type { AnyCommand } from './types.js';

export const batchCommands: AnyCommand[] = [];
