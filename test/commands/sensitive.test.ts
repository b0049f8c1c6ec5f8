import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../core/command-helpers.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

describe('commands that carry credentials', () => {
  let deps: TestDeps;
  beforeAll(async () => {
    deps = await createTestDeps();
  });
  afterAll(async () => {
    await deps.close();
  });

  it('GIVEN a refused session add THEN the refusal is private (ephemeral) like a success would be', async () => {
    const { reply, text } = await run(deps, 'session add not-a-cookie');
    console.log(`refused session add: ${text.split('\n')[0]}`);
    expect(text).toMatch(/^Error: /);
    expect(reply.ephemeral).toBe(true);
  });

  it('GIVEN a stray word that is a credential THEN the unexpected-word reply does not repeat it', async () => {
    const { text } = await run(deps, 'session remove 3 1234567%3AabcdefghIJKL%3A12');
    expect(text).toContain('Unexpected word "…" (a credential, not repeated)');
    expect(text).not.toContain('abcdefghIJKL');
  });

  it('GIVEN a refusal of an ordinary command THEN it is not made private', async () => {
    const { reply } = await run(deps, 'niche add unassigned');
    expect(reply.ephemeral).toBeFalsy();
  });
});
