/**
 * The simulated Instagram and its two loopback proxies, started together for the demo (see the header
 * of instagram.ts: what it simulates, and why nothing but src/demo may start it).
 */
import { type SimCounters, startSimInstagram } from './instagram.js';
import { type SimUser, seededRandom, simulatedPopulation } from './population.js';
import { type ProxyExits, type SimProxy, startSimProxy } from './proxies.js';

export type { SimCounters } from './instagram.js';
export type { SimKind, SimUser } from './population.js';

export interface Simulator {
  /** The base URL the checker is pointed at, in-process (never a setting of the service). */
  instagramUrl: string;
  /** The proxies in the operator's format, `host:port:user:pass`. */
  proxyLines: string[];
  users: readonly SimUser[];
  counters: SimCounters;
  stop(): Promise<void>;
}

export interface SimulatorOptions {
  /** Accounts in the population (default 80). */
  users?: number;
  seed?: number;
  latencyMs?: [number, number];
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 16;
  const users = simulatedPopulation(options.users ?? 80, seed);
  const exits: ProxyExits = new Map();
  const auth = { username: 'demo', password: `sim${seed}pass` };
  const proxies: SimProxy[] = [
    await startSimProxy('proxy-1', auth, exits),
    await startSimProxy('proxy-2', auth, exits),
  ];
  const instagram = await startSimInstagram({
    users,
    exits,
    falseNotFoundVia: 'proxy-1',
    rateLimitedVia: 'proxy-2',
    rateLimitedFirst: 3,
    latencyMs: options.latencyMs ?? [15, 60],
    random: seededRandom(seed + 1),
  });
  return {
    instagramUrl: instagram.url,
    proxyLines: proxies.map((p) => p.line),
    users,
    counters: instagram.counters,
    async stop() {
      await instagram.stop();
      await Promise.all(proxies.map((p) => p.stop()));
    },
  };
}
