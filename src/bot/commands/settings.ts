import type { AnyCommand } from './types.js';

export const settingsCommands: AnyCommand[] = [];
