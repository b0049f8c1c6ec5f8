import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env.js';
import { PUBLIC_PATHS } from '../../src/web/index.js';
import { parseYamlSubset, type YamlValue } from './mini-yaml.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
type Obj = { [key: string]: YamlValue };
const isObj = (v: YamlValue | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
function obj(v: YamlValue | undefined, what: string): Obj {
  if (!isObj(v)) throw new Error(`${what} is not a mapping`);
  return v;
}
const list = (v: YamlValue | undefined): YamlValue[] => (Array.isArray(v) ? v : v == null ? [] : [v]);

const APP_VARS = Object.keys(envSchema.shape);
/** Set by npm or Node themselves, never by an operator: not configuration. */
const SET_BY_RUNTIME = ['INIT_CWD'];
const compose = obj(parseYamlSubset(read('docker-compose.yml')), 'docker-compose.yml');
const services = obj(compose.services, 'services');
const envExample = read('.env.example');
const exampleVars = [...envExample.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);

describe('minimal YAML reader used for the compose check', () => {
  it('GIVEN nested mappings, sequences and quoted scalars THEN it reads them as YAML does', () => {
    const doc = parseYamlSubset(
      'a:\n  b: "x: y" # note\n  c:\n    - one\n    - k: v\n      l: w\n  d: [ "p", q ]\ne:\n',
    );
    expect(doc).toEqual({ a: { b: 'x: y', c: ['one', { k: 'v', l: 'w' }], d: ['p', 'q'] }, e: null });
  });

  it('GIVEN syntax outside the subset (anchor, bad indentation, duplicate key) THEN it refuses', () => {
    expect(() => parseYamlSubset('a: &x 1\n')).toThrow(/unsupported/);
    expect(() => parseYamlSubset('a: 1\n   b: 2\n')).toThrow(/indentation/);
    expect(() => parseYamlSubset('a: 1\na: 2\n')).toThrow(/duplicate/);
  });
});

describe('docker-compose.yml', () => {
  it('GIVEN the compose file THEN Postgres keeps its data on a declared volume', () => {
    const pg = obj(services.postgres, 'postgres');
    const volumes = obj(compose.volumes, 'volumes');
    const mount = list(pg.volumes).find(
      (v) => typeof v === 'string' && v.endsWith(':/var/lib/postgresql/data'),
    );
    expect(mount).toBeDefined();
    expect(Object.keys(volumes)).toContain(String(mount).split(':')[0]);
  });

  it('GIVEN the compose file THEN Redis runs with appendonly yes and maxmemory-policy noeviction', () => {
    const redis = obj(services.redis, 'redis');
    const command = list(redis.command).join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
  });

  it('GIVEN the app and the optional worker THEN both read .env, the worker is worker-only behind a profile', () => {
    const app = obj(services.app, 'app');
    const worker = obj(services.worker, 'worker');
    expect(app.build).toBeDefined();
    for (const s of [app, worker]) {
      expect(list(s.env_file)).toContain('.env');
      // Long enough for the app's own 30 s shutdown limit.
      expect(Number.parseInt(String(s.stop_grace_period), 10)).toBeGreaterThanOrEqual(30);
    }
    expect(obj(worker.environment, 'worker.environment').STORYWATCH_ROLES).toBe('worker');
    expect(list(worker.profiles).length).toBeGreaterThan(0);
    // The worker runs the image the app builds; compose must not try to pull it from a registry.
    expect(worker.image).toBe(app.image);
    expect(worker.pull_policy).toBe('never');
    expect(app.profiles).toBeUndefined();
    for (const [name, svc] of Object.entries(services)) {
      for (const dep of Object.keys(
        isObj(obj(svc, name).depends_on) ? obj(obj(svc, name).depends_on, 'd') : {},
      )) {
        expect(Object.keys(services), `${name} depends on ${dep}`).toContain(dep);
      }
    }
  });

  it('GIVEN every variable the app reads THEN the app and worker services get it (environment or env_file)', () => {
    for (const name of ['app', 'worker']) {
      const svc = obj(services[name], name);
      const explicit = Object.keys(isObj(svc.environment) ? svc.environment : {});
      const viaEnvFile = list(svc.env_file).includes('.env') ? exampleVars : [];
      const missing = APP_VARS.filter((v) => !explicit.includes(v) && !viaEnvFile.includes(v));
      expect(missing, `${name} service lacks`).toEqual([]);
    }
  });

  it('GIVEN the compose file THEN no secret is written into it, only variable references', () => {
    for (const [name, svc] of Object.entries(services)) {
      const env = obj(svc, name).environment;
      if (!isObj(env)) continue;
      for (const [key, value] of Object.entries(env)) {
        if (/TOKEN|PASSWORD|KEY|SECRET/.test(key)) expect(String(value), `${name}.${key}`).toMatch(/^\$\{/);
        if (typeof value === 'string' && /:\/\/[^/]*:[^@/]*@/.test(value)) {
          expect(value, `${name}.${key} carries a password`).toMatch(/:\$\{[A-Z_]+\}@/);
        }
      }
    }
  });
});

/** The Caddyfile without comments, and the body of the first `head {` block (braces counted). */
const caddyfile = read('Caddyfile').replace(/(^|\s)#.*$/gm, '$1');
function caddyBlock(text: string, head: string): string {
  const start = text.indexOf(`${head} {`);
  if (start < 0) throw new Error(`Caddyfile has no "${head} {" block`);
  const open = start + head.length + 1;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`Caddyfile: "${head}" block is not closed`);
}
/** Caddy's `path` matcher for the forms used here: exact, or a prefix ending in `*`. */
const caddyPathMatches = (patterns: string[], path: string) =>
  patterns.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p));

describe('the https profile: Caddy in front of the app', () => {
  const caddy = obj(services.caddy, 'caddy');
  const app = obj(services.app, 'app');
  const appPort = String(obj(app.environment, 'app.environment').HTTP_PORT);

  it('GIVEN the compose file THEN Caddy is optional (profile https), owns ports 80 and 443 and keeps its certificates on volumes', () => {
    expect(list(caddy.profiles)).toEqual(['https']);
    const ports = list(caddy.ports).map(String);
    expect(ports).toEqual(expect.arrayContaining(['80:80', '443:443']));
    expect(Object.keys(obj(caddy.depends_on, 'caddy.depends_on'))).toEqual(['app']);
    const mounts = list(caddy.volumes).map(String);
    expect(mounts).toContain('./Caddyfile:/etc/caddy/Caddyfile:ro');
    const declared = Object.keys(obj(compose.volumes, 'volumes'));
    for (const dir of ['/data', '/config']) {
      const mount = mounts.find((m) => m.endsWith(`:${dir}`));
      expect(mount, `caddy ${dir}`).toBeDefined();
      expect(declared).toContain(String(mount).split(':')[0]);
    }
    // The app is not exposed another way: its own port stays on the host's loopback.
    const published = list(app.ports).map(String);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatch(/^\$\{STORYWATCH_HTTP_PUBLISH:-127\.0\.0\.1:8080\}:8080$/);
    expect(obj(caddy.environment, 'caddy.environment').STORYWATCH_PUBLIC_URL).toMatch(
      /^\$\{STORYWATCH_PUBLIC_URL/,
    );
    // Without it the failed-login limit would count every client as Caddy.
    expect(obj(app.environment, 'app.environment').TRUSTED_PROXY).toMatch(/^\$\{TRUSTED_PROXY:-private\}$/);
    expect(envSchema.shape.TRUSTED_PROXY.parse('private')).toEqual(['private']);
  });

  it('GIVEN the Caddyfile THEN it serves STORYWATCH_PUBLIC_URL and proxies to the app service on its HTTP_PORT, from one place only', () => {
    expect(caddyfile).toMatch(/^\{\$STORYWATCH_PUBLIC_URL\} \{/m);
    const proxies = [...caddyfile.matchAll(/reverse_proxy\s+(\S+)/g)].map((m) => m[1]);
    expect(proxies).toEqual([`app:${appPort}`]);
    expect(caddyBlock(caddyfile, 'handle @public')).toMatch(/reverse_proxy app:/);
  });

  it('GIVEN the Caddyfile THEN the panel and the webhook pass, /metrics, /healthz and everything else get 404', () => {
    const matcher = /^\s*@public path (.+)$/m.exec(caddyfile)?.[1]?.trim().split(/\s+/) ?? [];
    for (const path of ['/panel', '/panel/niches', ...PUBLIC_PATHS, '/telegram/webhook-1']) {
      expect(caddyPathMatches(matcher, path), path).toBe(true);
    }
    for (const path of ['/metrics', '/healthz', '/', '/panelx', '/metrics/panel']) {
      expect(caddyPathMatches(matcher, path), path).toBe(false);
    }
    const site = caddyBlock(caddyfile, '{$STORYWATCH_PUBLIC_URL}');
    expect(caddyBlock(site, '\thandle').trim()).toBe('respond 404');
  });
});

describe('.env.example, README and the env schema stay in step', () => {
  const composeVars = [...read('docker-compose.yml').matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]!);

  it('GIVEN every variable src/config/env.ts reads THEN .env.example lists it with a comment above', () => {
    const lines = envExample.split('\n');
    for (const v of APP_VARS) {
      const at = lines.findIndex((l) => l.startsWith(`${v}=`));
      expect(at, `${v} missing from .env.example`).toBeGreaterThan(0);
      expect(lines[at - 1], `${v} has no comment`).toMatch(/^#/);
    }
  });

  it('GIVEN the sources THEN every process.env variable any module reads is one the schema knows', () => {
    const files = readdirSync(new URL('../../src', import.meta.url), {
      recursive: true,
      encoding: 'utf8',
    }).filter((f) => f.endsWith('.ts') && f !== 'config/env.ts');
    const unknown = files.flatMap((f) => {
      const text = read(`src/${f}`);
      return [...text.matchAll(/process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[)/g)]
        .filter((m) => !m[1] || !(APP_VARS.includes(m[1]) || SET_BY_RUNTIME.includes(m[1])))
        .map((m) => `${f}: ${m[0]}`);
    });
    expect(unknown).toEqual([]);
  });

  it('GIVEN .env.example THEN it lists nothing that neither the app nor docker-compose.yml reads', () => {
    const stale = exampleVars.filter((v) => !APP_VARS.includes(v) && !composeVars.includes(v));
    expect(stale).toEqual([]);
  });

  it('GIVEN README.md THEN it documents every variable the app reads and compose needs', () => {
    const readme = read('README.md');
    const missing = [...APP_VARS, ...new Set(composeVars)].filter((v) => !readme.includes(`\`${v}\``));
    expect(missing).toEqual([]);
  });

  it('GIVEN the repository THEN .env is ignored by git and not tracked', () => {
    expect(read('.gitignore').split('\n')).toContain('.env');
    const tracked = execFileSync('git', ['ls-files', '.env', '.env.local'], { encoding: 'utf8' }).trim();
    expect(tracked).toBe('');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('GIVEN the Dockerfile THEN the runtime stage installs production dependencies only and runs as non-root', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages.at(-1)!;
    expect(runtime).toMatch(/npm ci --omit=dev/);
    const user = /^USER (\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime).toMatch(/^CMD .*src\/main\.ts/m);
  });

  it('GIVEN .dockerignore THEN secrets and local dependencies never enter the build context', () => {
    const ignore = read('.dockerignore').split('\n');
    for (const entry of ['.env', '.env.*', 'node_modules', '.git']) expect(ignore).toContain(entry);
  });
});
