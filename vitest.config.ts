import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// A run's own data directory with a key already in it: no test writes into the checkout's ./data, and
// no test sees the one-time "created a credentials key file" warning unless it asks for a fresh
// directory itself (test/ops/first-start.test.ts).
const dataDir = mkdtempSync(join(tmpdir(), 'sw-test-data-'));
writeFileSync(join(dataDir, 'credentials.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Files run in parallel, each on its own database copied from a migrated template.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    env: { STORYWATCH_DATA_DIR: dataDir },
  },
});
