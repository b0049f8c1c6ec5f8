import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvError, loadDotEnvFile } from '../src/config/env.js';

describe('.env file', () => {
  it('GIVEN a .env file THEN its variables are loaded, and ones already in the environment win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'SW_TEST_FROM_FILE=file\nSW_TEST_ALREADY_SET=file\n');
    process.env.SW_TEST_ALREADY_SET = 'shell';
    expect(loadDotEnvFile(file)).toBe(file);
    expect(process.env.SW_TEST_FROM_FILE).toBe('file');
    expect(process.env.SW_TEST_ALREADY_SET).toBe('shell');
  });

  it('GIVEN no .env file THEN nothing is loaded and nothing fails', () => {
    expect(loadDotEnvFile(join(tmpdir(), 'sw-no-such-dir', '.env'))).toBeUndefined();
  });

  it('GIVEN .env is a directory (unreadable as a file) THEN the error names .env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-env-'));
    expect(() => loadDotEnvFile(dir)).toThrow(EnvError);
  });
});
