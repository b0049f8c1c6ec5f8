import type { AnyCommand } from './types.js';

export const profilesCommands: AnyCommand[] = [];
