#!/usr/bin/env node
// The console front-end is TypeScript run through tsx, so the bin needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/app/console-main.ts');
