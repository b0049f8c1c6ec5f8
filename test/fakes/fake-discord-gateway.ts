import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FakeUser } from './fake-discord-wire.js';

/**
 * The fake's gateway: HELLO on connect, IDENTIFY answered with READY (no guilds, so the client is ready
 * at once), heartbeats acknowledged, RESUME answered with RESUMED, and dispatches sent to every
 * identified connection with increasing sequence numbers.
 */
export class FakeGateway {
  readonly identifies: Array<Record<string, unknown>> = [];
  resumes = 0;
  heartbeats = 0;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly ready = new Set<WebSocket>();
  private seq = 0;
  private readonly sessionId = randomBytes(16).toString('hex');

  constructor(
    server: Server,
    private readonly opts: {
      token: string;
      botUser: FakeUser;
      applicationId: string;
      url: () => string;
      heartbeatIntervalMs: number;
    },
  ) {
    this.wss = new WebSocketServer({ server, path: '/gateway' });
    this.wss.on('connection', (ws) => this.onConnection(ws));
  }

  get connections(): number {
    return this.ready.size;
  }

  dispatch(t: string, d: unknown): void {
    for (const ws of this.ready) ws.send(JSON.stringify({ op: 0, t, s: ++this.seq, d }));
  }

  /** Cuts every connection as a network failure would (no close frame); the client should resume. */
  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket) {
    this.sockets.add(ws);
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.ready.delete(ws);
    });
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.opts.heartbeatIntervalMs } }));
    ws.on('message', (raw) => {
      let payload: { op: number; d: Record<string, unknown> | number | null };
      try {
        payload = JSON.parse(raw.toString());
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      switch (payload.op) {
        case 1:
          this.heartbeats++;
          ws.send(JSON.stringify({ op: 11 }));
          break;
        case 2:
          this.identify(ws, payload.d as Record<string, unknown>);
          break;
        case 6: {
          const d = payload.d as { token?: string };
          if (d.token !== this.opts.token) return ws.close(4004, 'Authentication failed');
          this.resumes++;
          this.ready.add(ws);
          ws.send(JSON.stringify({ op: 0, t: 'RESUMED', s: ++this.seq, d: {} }));
          break;
        }
        default:
          break;
      }
    });
  }

  private identify(ws: WebSocket, d: Record<string, unknown>) {
    // Recorded without the token, which the fake checks and the tests must not need to see.
    const { token, ...rest } = d;
    this.identifies.push(rest);
    if (token !== this.opts.token) {
      ws.close(4004, 'Authentication failed');
      return;
    }
    this.ready.add(ws);
    ws.send(
      JSON.stringify({
        op: 0,
        t: 'READY',
        s: ++this.seq,
        d: {
          v: 10,
          user: { ...this.opts.botUser, bot: true, verified: true, flags: 0, mfa_enabled: false },
          guilds: [],
          session_id: this.sessionId,
          resume_gateway_url: this.opts.url(),
          shard: [0, 1],
          application: { id: this.opts.applicationId, flags: 0 },
        },
      }),
    );
  }
}
