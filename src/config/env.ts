import { z } from 'zod';

/**
 * The whole configuration surface. Every variable is listed here, in `.env.example` and in README.md;
 * `test/ops/deploy-files.test.ts` keeps the three in step.
 */
const boolFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const idList = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^\d{1,25}$/, 'each id must be a number')));

const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));

export const ROLES = ['bot', 'scheduler', 'worker', 'web'] as const;
export type Role = (typeof ROLES)[number];

export const envSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .default('postgres://postgres@127.0.0.1:5432/storywatch')
      .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://'),
    REDIS_URL: z
      .string()
      .default('redis://127.0.0.1:6379')
      .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://'),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,40}$/, 'letters, digits, _ and - only')
      .default('storywatch'),
    CREDENTIALS_KEY: optionalSecret.refine(
      (v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, 'base64').length === 32,
      'must be 32 bytes as 64 hex characters or base64 (generate one: openssl rand -hex 32)',
    ),
    /** Where the service keeps its own files (the credentials key file when CREDENTIALS_KEY is unset). */
    STORYWATCH_DATA_DIR: z.string().trim().min(1).default('./data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Unset: readable lines on a terminal, JSON lines otherwise. */
    LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
    STORYWATCH_ROLES: z
      .string()
      .default('bot,scheduler,worker')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(ROLES)).min(1, 'name at least one role: bot, scheduler, worker, web'))
      // The web panel comes with the bot (it is the bot's other face); name `web` alone to serve only it.
      .transform((roles) =>
        roles.includes('bot') && !roles.includes('web') ? [...roles, 'web' as const] : roles,
      ),
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Where /healthz and /metrics listen: loopback unless asked (/metrics names proxies and niches). */
    HTTP_HOST: z
      .string()
      .trim()
      .regex(/^[0-9a-zA-Z.:_-]{1,253}$/, 'an IP address or host name, e.g. 127.0.0.1 or 0.0.0.0')
      .default('127.0.0.1'),
    /** Where the operator reaches this service (the web panel's links, Telegram's Mini App button). */
    STORYWATCH_PUBLIC_URL: z
      .url({
        protocol: /^https?$/,
        error: 'must be an http:// or https:// URL, e.g. https://storywatch.example.com',
      })
      .transform((v) => v.replace(/\/+$/, ''))
      .optional(),
    /**
     * Reverse proxies whose X-Forwarded-For names the client, for the panel's failed-login limit: IPs,
     * CIDR ranges, `private` (loopback and private ranges, e.g. a compose network) or `loopback`. Unset:
     * none, and every client behind a proxy shares the proxy's count.
     */
    TRUSTED_PROXY: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z.union([z.literal('private'), z.literal('loopback'), z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
            error:
              'each entry must be an IP address (172.18.0.5), a CIDR range (172.16.0.0/12), private or loopback',
          }),
        ),
      ),
    /** How old a Telegram Mini App's initData may be (seconds) for the panel to accept it. */
    PANEL_INIT_DATA_MAX_AGE: z.coerce.number().int().min(60).max(86_400).default(3600),
    STARTUP_WAIT_S: z.coerce.number().int().min(0).max(600).default(30),
    STORYWATCH_TIMEZONE: z
      .string()
      .default('UTC')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone such as UTC or Europe/Berlin'),
    INSTAGRAM_WEB_URL: z.url().default('https://www.instagram.com'),
    ALLOW_DIRECT: boolFlag,
    PROXY_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(600).default(6),
    CHECK_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(15_000),
    TELEGRAM_BOT_TOKEN: optionalSecret,
    TELEGRAM_OWNER_IDS: idList,
    TELEGRAM_API_ROOT: z.url().default('https://api.telegram.org'),
    TELEGRAM_WEBHOOK_URL: z.url().optional(),
    DISCORD_TOKEN: optionalSecret,
    DISCORD_APPLICATION_ID: z
      .string()
      .regex(/^\d{5,25}$/, 'must be the numeric application id')
      .optional(),
    DISCORD_GUILD_ID: z
      .string()
      .regex(/^\d{5,25}$/, 'must be a numeric guild id')
      .optional(),
    DISCORD_OWNER_IDS: idList,
    DISCORD_API_URL: z.url().default('https://discord.com/api'),
  })
  .superRefine(
    (env, ctx) => {
      if (env.TELEGRAM_BOT_TOKEN && !(env.TELEGRAM_OWNER_IDS?.length > 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['TELEGRAM_OWNER_IDS'],
          message: 'required when TELEGRAM_BOT_TOKEN is set (your numeric Telegram user id)',
        });
      }
      if (env.DISCORD_TOKEN && !(env.DISCORD_OWNER_IDS?.length > 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['DISCORD_OWNER_IDS'],
          message: 'required when DISCORD_TOKEN is set (your numeric Discord user id)',
        });
      }
      if (env.DISCORD_TOKEN && !env.DISCORD_APPLICATION_ID) {
        ctx.addIssue({
          code: 'custom',
          path: ['DISCORD_APPLICATION_ID'],
          message: 'required when DISCORD_TOKEN is set (Developer Portal > General Information)',
        });
      }
      // By default zod skips this when any single variable failed; running it anyway reports every problem
      // in one go (each check above only reads values that are present whatever else failed).
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/** Parses the environment once, reporting every problem by variable name and never echoing a value. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const raw = source[key];
    // An empty assignment (FOO=) in .env means "not set", which is what a person writing it meant.
    input[key] = raw === undefined || raw === '' ? undefined : raw;
  }
  const parsed = envSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.length > 0 ? String(issue.path[0]) : 'environment';
    return `${name}: ${issue.message}`;
  });
  throw new EnvError(problems);
}

/**
 * Loads `./.env` into process.env when the file exists, so `cp .env.example .env && npm start` works as
 * a newcomer expects. Variables already set in the environment win (Node's loadEnvFile never overrides).
 * Returns the path loaded, if any.
 */
export function loadDotEnvFile(path = '.env'): string | undefined {
  const load = (process as { loadEnvFile?: (p: string) => void }).loadEnvFile;
  if (typeof load !== 'function') return undefined;
  try {
    load(path);
    return path;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw new EnvError([`.env: ${(err as Error).message}`]);
  }
}
