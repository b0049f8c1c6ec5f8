import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const BIN = resolve(import.meta.dirname, '../../bin/storywatch.js');
let database: TestDatabase;
let dir: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real bin as an operator would, against this file's database. */
function storywatch(...args: string[]): Promise<Result> {
  return storywatchWith({}, ...args);
}

function storywatchWith(extraEnv: Record<string, string>, ...args: string[]): Promise<Result> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          // The run's data directory (vitest.config.ts): its key file is already there.
          STORYWATCH_DATA_DIR: process.env.STORYWATCH_DATA_DIR ?? '',
          DATABASE_URL: database.url,
          ...extraEnv,
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ max: 2 });
  dir = await mkdtemp(join(tmpdir(), 'sw-console-'));
});
afterAll(async () => {
  await database.drop();
  await rm(dir, { recursive: true, force: true });
});

// Each case starts real processes (node + tsx, some through npm), several seconds each on a busy machine.
describe('storywatch console', { timeout: 120_000 }, () => {
  it('GIVEN niche add, import with a file path, then --json THEN prints the replies and the numbers', async () => {
    const add = await storywatch('niche', 'add', 'fitness');
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(add.stdout).toContain('Niche "fitness" created at position 1.');

    await writeFile(
      join(dir, 'names.txt'),
      '\ufeff@Alice\r\nbob, carol\nhttps://www.instagram.com/Dave/?hl=en\nbad-x\nalice\n',
    );
    const imp = await storywatch('import', 'fitness', 'names.txt');
    expect(imp.code).toBe(0);
    expect(imp.stdout).toContain(
      'Import into fitness: 4 profiles added, 0 already present, 1 repeated in the input, 1 malformed.',
    );
    expect(imp.stdout).toMatch(/line 4\s+bad-x\s+bad character '-'/);

    const again = await storywatch('import', 'fitness', 'names.txt', 'erin', '--json');
    expect(again.code).toBe(0);
    const data = JSON.parse(again.stdout) as Record<string, unknown>;
    expect(data).toMatchObject({
      niche: 'fitness',
      added: 1,
      alreadyPresent: 4,
      alreadyPresentByNiche: [
        { niche: 'fitness', count: 4, deleted: 0, examples: ['alice', 'bob', 'carol'] },
      ],
      repeated: 1,
      malformed: 1,
    });
    const rows = await database.sql`select username from profiles order by username`;
    expect(rows.map((r) => r.username)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
  });

  it('GIVEN an unknown niche THEN exits 1 with the message on stderr', async () => {
    const r = await storywatch('import', 'nosuch', 'someone');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Error: No niche named "nosuch"; niches are:');
  });

  it('GIVEN a missing file path THEN exits 1 naming the path', async () => {
    const r = await storywatch('import', 'fitness', 'missing.txt');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: No file "missing.txt"');
    expect(r.stderr).toContain('Usage: storywatch import NICHE');
  });

  it('GIVEN a file with no valid usernames and --json THEN the error is JSON on stderr', async () => {
    await writeFile(join(dir, 'junk.txt'), 'bad-1\nbad-2\n');
    const r = await storywatch('import', 'fitness', 'junk.txt', '--json');
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stderr) as { error: string; data: { code: string } };
    expect(body.error).toContain('No valid usernames in file junk.txt: 2 entries on 2 lines, all malformed');
    expect(body.data.code).toBe('import_no_valid_usernames');
  });

  it('GIVEN an unknown command THEN exits 2 with the help listing on stderr', async () => {
    const r = await storywatch('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown command "frobnicate".');
    expect(r.stderr).toContain('storywatch import NICHE [USERNAMES...] [<.txt file>]');
  });

  it('GIVEN no Postgres THEN help still answers, and a command that needs it says which server to check', async () => {
    const dead = { DATABASE_URL: 'postgres://postgres:pg-secret-pw@127.0.0.1:1/storywatch' };
    const help = await storywatchWith(dead, 'help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('storywatch niche add NAME');
    const list = await storywatchWith(dead, 'niche', 'list');
    console.log(`niche list without Postgres: exit ${list.code}: ${list.stderr.trim()}`);
    expect(list.code).toBe(1);
    expect(list.stderr).toContain('cannot use Postgres: connect ECONNREFUSED 127.0.0.1:1');
    expect(list.stderr).toContain('Is Postgres running and listening where DATABASE_URL');
    expect(list.stderr).not.toContain('pg-secret-pw');
  });

  it('GIVEN a niche with a slash and profile links typed as words THEN they are names, not file paths', async () => {
    expect((await storywatch('niche', 'add', 'gym/health')).code).toBe(0);
    const imp = await storywatch(
      'import',
      'gym/health',
      'https://instagram.com/slash_one/',
      'instagram.com/slash_two',
      '@slash_three',
    );
    console.log(`import into gym/health: ${imp.stdout.trim().split('\n')[0]} ${imp.stderr.trim()}`);
    expect(imp.code).toBe(0);
    expect(imp.stdout).toContain('Import into gym/health: 3 profiles added');
    await writeFile(join(dir, 'more.txt'), 'slash_four\n');
    const flagFirst = await storywatch('import', '--file', 'more.txt', 'gym/health');
    expect(flagFirst.code).toBe(0);
    expect(flagFirst.stdout).toContain('Import into gym/health: 1 profile');
  });

  it('GIVEN --json THEN refusals before any command runs are JSON too', async () => {
    const unknown = await storywatch('frobnicate', '--json');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr)).toEqual({ error: 'Unknown command "frobnicate".', data: null });
    const missing = await storywatch('import', 'fitness', 'nowhere.txt', '--json');
    expect(missing.code).toBe(1);
    expect((JSON.parse(missing.stderr) as { error: string }).error).toMatch(/^No file "nowhere.txt"/);
    const env = await storywatchWith({ HTTP_PORT: 'eighty' }, 'niche', 'list', '--json');
    expect(env.code).toBe(2);
    expect((JSON.parse(env.stderr) as { error: string }).error).toContain('HTTP_PORT:');
  });

  it('GIVEN a mistyped proxy command with a password THEN the password is not repeated', async () => {
    const r = await storywatch('proxy', '10.0.0.9:8080:alice:Pw-secret-77');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a command. proxy has:');
    expect(r.stderr).not.toContain('Pw-secret-77');
  });

  it('GIVEN a .env that sets LOG_LEVEL for the service THEN console commands stay quiet', async () => {
    await writeFile(join(dir, '.env'), 'LOG_LEVEL=info\n');
    try {
      const r = await storywatch('niche', 'list');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
    } finally {
      await rm(join(dir, '.env'));
    }
  });

  it('GIVEN a command with --help THEN prints its usage and argument descriptions', async () => {
    const r = await storywatch('import', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: storywatch import NICHE [USERNAMES...] [<.txt file>]');
    expect(r.stdout).toContain('a file path: A .txt/.csv file, UTF-8 or UTF-16, up to 20 MB (optional)');
  });

  it('GIVEN wrong arguments THEN exits 1 with the usage line', async () => {
    const r = await storywatch('niche', 'add');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Usage: storywatch niche add NAME');
  });

  it('GIVEN niche list --json THEN stdout is the data as JSON', async () => {
    const r = await storywatch('niche', 'list', '--json');
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as { niches: Array<{ name: string; active: number }> };
    expect(data.niches).toEqual([
      expect.objectContaining({ name: 'fitness', active: 5 }),
      expect.objectContaining({ name: 'gym/health', active: 4 }),
    ]);
  });

  it('GIVEN an invalid env value THEN exits 2 naming the variable', async () => {
    const r = await new Promise<Result>((done) => {
      execFile(
        process.execPath,
        [BIN, 'niche', 'list'],
        {
          cwd: dir,
          env: {
            PATH: process.env.PATH ?? '',
            STORYWATCH_DATA_DIR: process.env.STORYWATCH_DATA_DIR ?? '',
            DATABASE_URL: database.url,
            LOG_LEVEL: 'loud',
          },
        },
        (err, stdout, stderr) => done({ code: err ? Number(err.code) : 0, stdout, stderr }),
      );
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('LOG_LEVEL');
  });

  it('GIVEN discord register against Discord THEN registers the command set once and is idempotent', async () => {
    const discord = await FakeDiscord.start();
    try {
      const env = {
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_OWNER_IDS: '123456789012345678',
        DISCORD_API_URL: discord.apiUrl,
      };
      const first = await storywatchWith(env, 'discord', 'register');
      expect(first.stderr).toBe('');
      expect(first).toMatchObject({ code: 0 });
      expect(first.stdout).toMatch(/^Registered \d+ commands \(global\)\.$/m);
      expect(discord.commands.get('global')?.map((c) => c.name)).toContain('import');
      const second = await storywatchWith(env, 'discord', 'register', '--json');
      expect(JSON.parse(second.stdout)).toMatchObject({ scope: 'global', changed: false });
      expect(second.stdout + second.stderr).not.toContain(discord.token);
    } finally {
      await discord.stop();
    }
  });

  it('GIVEN npm run storywatch from another directory and npx storywatch in the repo THEN both run the console', async () => {
    const repo = resolve(import.meta.dirname, '../..');
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      STORYWATCH_DATA_DIR: process.env.STORYWATCH_DATA_DIR ?? '',
      DATABASE_URL: database.url,
    };
    const viaNpm = await new Promise<Result>((done) => {
      execFile(
        'npm',
        ['--prefix', repo, 'run', '-s', 'storywatch', '--', 'import', 'fitness', 'names.txt', '--json'],
        { cwd: dir, env, timeout: 60_000 },
        (err, stdout, stderr) => done({ code: err ? Number(err.code) : 0, stdout, stderr }),
      );
    });
    expect(viaNpm.code).toBe(0);
    // names.txt is read from the directory npm was started in, not from the package root.
    expect(JSON.parse(viaNpm.stdout)).toMatchObject({ niche: 'fitness', added: 0, alreadyPresent: 4 });
    const viaNpx = await new Promise<Result>((done) => {
      execFile(
        'npx',
        ['--no-install', 'storywatch', 'import', '--help'],
        { cwd: repo, env, timeout: 60_000 },
        (err, stdout, stderr) => done({ code: err ? Number(err.code) : 0, stdout, stderr }),
      );
    });
    expect(viaNpx.code).toBe(0);
    expect(viaNpx.stdout).toContain('Usage: storywatch import NICHE');
  });
});
