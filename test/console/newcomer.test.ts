import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addProxies } from '../../src/core/proxies/index.js';
import { consoleRunner } from '../helpers/console.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

// What a newcomer tripped over on the console (issue 16), each driven through the console front-end
// against a real database, as `npx storywatch ...` runs it minus the process.
let deps: TestDeps;
let dir: string;
const savedInitCwd = process.env.INIT_CWD;

const storywatch = consoleRunner(() => ({ core: deps, services: {} }));

beforeAll(async () => {
  deps = await createTestDeps({ max: 2 });
  dir = await mkdtemp(join(tmpdir(), 'sw-newcomer-'));
  // Relative paths start where the command was typed (npm's INIT_CWD): here, this test's directory.
  process.env.INIT_CWD = dir;
});
afterAll(async () => {
  if (savedInitCwd === undefined) delete process.env.INIT_CWD;
  else process.env.INIT_CWD = savedInitCwd;
  await deps.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await deps.sql`delete from profiles`;
  await deps.sql`delete from batches`;
  await deps.sql`delete from niches`;
});

describe('console: replies spell commands as the shell does', () => {
  it('GIVEN no proxy WHEN a batch is run THEN the advice names storywatch proxy add/test and not ALLOW_DIRECT', async () => {
    await storywatch('niche', 'add', 'fitness');
    await storywatch('import', 'fitness', 'alice', 'bob');
    const r = await storywatch('batch', 'run', 'fitness', '1');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'Error: There is no usable proxy (none added, or all disabled or dead). Add one with `storywatch proxy add ip:port:user:pass`, then check it with `storywatch proxy test`.',
    );
    expect(r.err).not.toMatch(/ALLOW_DIRECT|\/proxy/);
  });

  it('GIVEN no proxy WHEN stats THEN the same advice, spelled for the shell', async () => {
    const r = await storywatch('stats');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      'Proxies: none, so batches cannot run. There is no usable proxy (none added, or all disabled or dead). Add one with `storywatch proxy add ip:port:user:pass`, then check it with `storywatch proxy test`.',
    );
  });

  it('GIVEN an unknown proxy id THEN the hint is `storywatch proxy list`', async () => {
    const r = await storywatch('proxy', 'remove', '42');
    expect(r.err).toContain('No proxy has id 42. `storywatch proxy list` shows the ids.');
  });
});

describe('console: names in hints are quoted for the shell', () => {
  it('GIVEN a niche named travel & vanlife THEN the import hint quotes it as one shell word', async () => {
    const r = await storywatch('niche', 'add', 'travel & vanlife');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `Niche "travel & vanlife" created at position 1. Import profiles with \`storywatch import 'travel & vanlife'\` and a .txt file.`,
    );
  });

  it('GIVEN an empty niche named travel & vanlife WHEN a batch is run THEN the import hint keeps the name one word', async () => {
    await storywatch('niche', 'add', 'travel & vanlife');
    const r = await storywatch('batch', 'run', 'travel & vanlife', '1');
    expect(r.err).toContain(
      'Niche "travel & vanlife" has no active profiles to check. Import usernames into it first (`storywatch import \'travel & vanlife\'` with a .txt file)',
    );
  });

  it('GIVEN an empty niche whose name holds $ and backticks THEN the hint quotes it so the shell takes it literally', async () => {
    await storywatch('niche', 'add', 'deals $HOME `x`');
    const r = await storywatch('batch', 'run', 'deals $HOME `x`', '1');
    expect(r.err).toContain("`storywatch import 'deals $HOME `x`'`");
  });

  it('GIVEN a batch started on the console THEN the cancel hint survives the shell (# would start a comment)', async () => {
    await storywatch('niche', 'add', 'fitness');
    await storywatch('import', 'fitness', 'alice');
    await addProxies(deps, '127.0.0.1:9');
    try {
      const r = await storywatch('batch', 'run', 'fitness', '1');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        /Follow it with `storywatch batch status`; stop it with `storywatch batch cancel '#\d+'`\./,
      );
    } finally {
      await deps.sql`delete from proxies`;
    }
  });

  it('GIVEN a name with a quote in it THEN it is still one shell word', async () => {
    const r = await storywatch('niche', 'add', "mom's gym");
    expect(r.out).toContain(`\`storywatch import 'mom'\\''s gym'\``);
  });

  it('GIVEN a plain name THEN it is not quoted', async () => {
    const r = await storywatch('niche', 'add', 'fitness');
    expect(r.out).toContain('`storywatch import fitness`');
  });
});

describe('console: a word that looks like a file is asked about, not imported', () => {
  it('GIVEN fitness_list.txt exists WHEN import spaced fitness_list THEN asks "did you mean fitness_list.txt?" and adds nothing', async () => {
    await storywatch('niche', 'add', 'spaced');
    await writeFile(join(dir, 'fitness_list.txt'), 'alice\nbob\n');
    const r = await storywatch('import', 'spaced', 'fitness_list');
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'Error: There is no file "fitness_list", and it is not imported as a username: did you mean fitness_list.txt?',
    );
    const rows = await deps.sql`select username from profiles`;
    expect(rows).toHaveLength(0);
  });

  it('GIVEN a directory WHEN imported THEN says it is a directory', async () => {
    await storywatch('niche', 'add', 'spaced');
    await mkdir(join(dir, 'lists'), { recursive: true });
    const r = await storywatch('import', 'spaced', 'lists');
    expect(r.code).toBe(1);
    expect(r.err).toContain('Error: "lists" is a directory, not a file. Give the .txt or .csv file in it.');
    expect(await deps.sql`select username from profiles`).toHaveLength(0);
  });

  it('GIVEN a word with a slash or a .csv ending that names no file THEN refused naming it', async () => {
    await storywatch('niche', 'add', 'spaced');
    const slash = await storywatch('import', 'spaced', 'lists/fitness');
    expect(slash.err).toContain('Error: No file "lists/fitness"');
    const csv = await storywatch('import', 'spaced', 'names.csv');
    expect(csv.err).toContain('Error: No file "names.csv"');
    expect(await deps.sql`select username from profiles`).toHaveLength(0);
  });

  it('GIVEN a plain username that names no file THEN it is imported', async () => {
    await storywatch('niche', 'add', 'spaced');
    const r = await storywatch('import', 'spaced', 'carol');
    expect(r.code).toBe(0);
    expect((await deps.sql`select username from profiles`).map((x) => x.username)).toEqual(['carol']);
  });
});

describe('console: a page of profiles', () => {
  it('GIVEN 60 profiles THEN page 1 lists each username once, has no chat buttons, and says the next page command', async () => {
    await storywatch('niche', 'add', 'travel & vanlife');
    const names = Array.from({ length: 60 }, (_, i) => `user${String(i).padStart(3, '0')}`);
    await storywatch('import', 'travel & vanlife', ...names);
    const r = await storywatch('profiles', 'list', 'travel & vanlife');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/\[Next\]|\[Previous\]/);
    expect(r.out.match(/\buser000\b/g)).toHaveLength(1);
    expect(r.out).toContain(
      "Next page: storywatch profiles list 'travel & vanlife' active --sort username --page 2",
    );
    const two = await storywatch(
      'profiles',
      'list',
      'travel & vanlife',
      'active',
      '--sort',
      'username',
      '--page',
      '2',
    );
    expect(two.out).toContain('page 2 of 2');
    expect(two.out).toContain(
      "Previous page: storywatch profiles list 'travel & vanlife' active --sort username --page 1",
    );
    expect(two.out).not.toContain('Next page');
  });
});

describe('console: import claims unassigned profiles', () => {
  it('GIVEN alice unassigned and bob in another niche WHEN imported into fitness THEN alice moves, bob stays, both reported', async () => {
    await storywatch('niche', 'add', 'fitness');
    await storywatch('niche', 'add', 'food');
    await storywatch('import', 'food', 'alice', 'bob', 'gone');
    await storywatch('profiles', 'move', 'unassigned', 'alice', 'gone');
    await deps.sql`update profiles set status = 'deleted' where username = 'gone'`;
    const r = await storywatch('import', 'fitness', 'alice', 'bob', 'gone', 'carol');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      'Import into fitness: 1 profile added, 1 moved here from unassigned (alice), 2 already present, 0 repeated in the input, 0 malformed.',
    );
    expect(r.out).toMatch(/food +1 +bob/);
    expect(r.out).toMatch(/\(unassigned\) +1 \(1 deleted\) +gone/);
    const rows = await deps.sql<{ username: string; niche: string | null }[]>`
      select p.username, n.name as niche from profiles p left join niches n on n.id = p.niche_id order by 1`;
    expect(rows).toEqual([
      { username: 'alice', niche: 'fitness' },
      { username: 'bob', niche: 'food' },
      { username: 'carol', niche: 'fitness' },
      { username: 'gone', niche: null },
    ]);
  });
});

describe('console: results has no chat buttons', () => {
  it('GIVEN stories THEN the console prints the list whole, with no Copy all button (it has --as file)', async () => {
    await storywatch('niche', 'add', 'fitness');
    await storywatch('import', 'fitness', 'alice', 'bob');
    await deps.sql`insert into detections (username, niche_id, detected_at)
      select username, niche_id, now() from profiles`;
    const r = await storywatch('results', 'fitness');
    expect(r.out).toMatch(/alice +fitness/);
    expect(r.out).not.toMatch(/Copy all|\[/);
    await deps.sql`delete from detections`;
  });
});

describe('console: help', () => {
  it('GIVEN --help on batch run and stats THEN the console-only --follow and --out are explained', async () => {
    expect((await storywatch('batch', 'run', '--help')).out).toContain('--follow: draw a progress bar');
    expect((await storywatch('stats', '--help')).out).toContain('--out PATH: where the chart PNG goes');
    expect((await storywatch('help')).out).toContain('storywatch demo [--keep]');
  });

  it('GIVEN help THEN digest here and digest off, which need a chat, are not listed; the rest are', async () => {
    const r = await storywatch('help');
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('digest here');
    expect(r.out).toContain('storywatch niche add NAME');
    const json = await storywatch('help', '--json');
    const data = JSON.parse(json.out) as { commands: string[] };
    expect(data.commands).not.toContain('digest here');
    expect(data.commands).toContain('niche add');
  });

  it("GIVEN help and --help THEN options are spelled --sort VALUE, as README's console column has them", async () => {
    const r = await storywatch('help');
    expect(r.out).toContain(
      'storywatch profiles list NAME [active|deleted|all] [--sort username|checked|detected|count] [--page N] [--per-page N]',
    );
    expect(r.out).toContain('storywatch results [NAME] [HOURS] [--as file]');
    expect(r.out).not.toMatch(/\[sort |\[page N\]/);
    const one = await storywatch('profiles', 'list', '--help');
    expect(one.out).toContain('Usage: storywatch profiles list NAME [active|deleted|all] [--sort ');
    expect(one.out).toContain('--per-page VALUE: Profiles per page, 1-1,000 (default 50)');
  });

  it('GIVEN a bare settings THEN the hint and the settings subcommands only, not the whole help', async () => {
    const r = await storywatch('settings');
    expect(r.code).toBe(2);
    const lines = r.err.split('\n');
    expect(lines[0]).toBe(
      'settings needs a subcommand: settings show, settings rate, settings threads, settings policy, settings retention.',
    );
    expect(r.err).toContain('storywatch settings rate PERMINUTE');
    expect(r.err).not.toContain('niche add');
    expect(lines.length).toBeLessThan(16);
  });
});

describe('console: validation messages', () => {
  it('GIVEN niche move fitness 0 or 99 THEN one message from core with the real range, no field names', async () => {
    for (const n of ['a', 'b', 'c']) await storywatch('niche', 'add', n);
    const zero = await storywatch('niche', 'move', 'a', '0');
    const high = await storywatch('niche', 'move', 'a', '99');
    expect(zero.err).toMatch(
      /^Error: Position must be a whole number from 1 to 3 \(there are 3 niches\); got 0\./,
    );
    expect(high.err).toMatch(
      /^Error: Position must be a whole number from 1 to 3 \(there are 3 niches\); got 99\./,
    );
    const word = await storywatch('niche', 'move', 'a', 'first');
    expect(word.err).toMatch(
      /^Error: Position must be a whole number; got "first"\.\nUsage: storywatch niche move NAME POSITION$/,
    );
  });

  it('GIVEN settings rate 0 THEN says what is accepted without the field name perMinute', async () => {
    const r = await storywatch('settings', 'rate', '0');
    expect(r.err).toBe(
      'Error: Profiles per minute must be from 1 to 600; got 0.\nUsage: storywatch settings rate PERMINUTE',
    );
  });
});

describe('README: console examples print only the program output', () => {
  it('GIVEN README THEN no example uses plain npm run storywatch, and it says why', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).not.toMatch(/npm run storywatch --/);
    expect(readme).toContain('`npm run -s storywatch -- ...`');
    expect(readme).toContain('npx storywatch niche add fitness');
    expect(readme).toMatch(/banner would come first and break a script parsing `--json`/);
  });
});

describe('console: batch status after a rename', () => {
  it('GIVEN a running batch whose niche was renamed THEN batch status shows the current name', async () => {
    await storywatch('niche', 'add', 'fitness');
    const [niche] = await deps.sql<{ id: number }[]>`select id from niches where name = 'fitness'`;
    await deps.sql`insert into batches (niche_id, niche_name, trigger, policy, requested, created_at)
      values (${niche?.id ?? 0}, 'fitness', 'manual', 'yield', 5, now())`;
    const renamed = await storywatch('niche', 'rename', 'fitness', 'gym');
    expect(renamed.code).toBe(0);
    const r = await storywatch('batch', 'status');
    expect(r.out).toMatch(/#\d+ gym \(manual\)/);
    expect(r.out).not.toContain('fitness');
    const history = await storywatch('batch', 'history');
    expect(history.out).toMatch(/#\d+\s+gym\s+manual/);
  });
});
