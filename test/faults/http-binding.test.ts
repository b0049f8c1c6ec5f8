import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/core/logger.js';
import { startHttpServer } from '../../src/http/server.js';

describe('never lose #14.5: /metrics is not served to the world by default', () => {
  it('GIVEN no HTTP_HOST THEN the server listens on 127.0.0.1 only; HTTP_HOST changes it', async () => {
    const env = loadEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' });
    expect(env.HTTP_HOST).toBe('127.0.0.1');
    expect(() => loadEnv({ DATABASE_URL: 'postgres://x@y/z', HTTP_HOST: 'not a host!' })).toThrow(
      /HTTP_HOST/,
    );
    const http = await startHttpServer({
      port: 0,
      host: env.HTTP_HOST,
      log: createLogger({ level: 'silent' }),
      health: () => [],
      metrics: { metrics: async () => '', contentType: 'text/plain' } as never,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${http.port}/healthz`);
      expect(res.status).toBe(200);
      expect(http.address().address).toBe('127.0.0.1');
    } finally {
      await http.stop();
    }
  });

  it('GIVEN the compose file THEN the container listens on all its interfaces but the host publishes loopback only', async () => {
    const compose = await readFile(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    expect(compose).toMatch(/HTTP_HOST: "0\.0\.0\.0"/);
    expect(compose).toMatch(/STORYWATCH_HTTP_PUBLISH:-127\.0\.0\.1:8080/);
  });
});
