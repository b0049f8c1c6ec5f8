import type { AnyCommand } from './types.js';

export const resultsCommands: AnyCommand[] = [];
