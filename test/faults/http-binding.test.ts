import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
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

describe('a client that never finishes its request does not hold the server', () => {
  it('GIVEN a connection that sends half its headers and stops THEN the server answers 408 and closes it', async () => {
    const http = await startHttpServer({
      port: 0,
      log: createLogger({ level: 'silent' }),
      health: () => [],
      metrics: { metrics: async () => '', contentType: 'text/plain' } as never,
      timeouts: { headersMs: 300, requestMs: 1_000 },
    });
    try {
      const socket = connect(http.port, '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      // No blank line: the headers never end. The server must give up, not wait for ever.
      await once(socket, 'close');
      expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await http.stop();
    }
  });
});
