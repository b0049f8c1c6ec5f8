import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestContent } from '../core/digest.js';
import { renderPlain } from '../reply/reply.js';
import type { Simulator } from '../simulator/index.js';
import { formatDigest } from '../worker/digest-format.js';
import { importFileText, proxyFileText } from './demo-files.js';
import type { DemoSession } from './run-demo.js';

/** How many of the simulated accounts go to the first niche (from a file); the rest go to the second. */
const FITNESS_COUNT = 60;

type Out = (text: string) => void;

function header(out: Out, n: number, total: number, title: string): void {
  out(`\n== ${n}/${total} ${title} ==`);
}

/** Shows the command as the user would type it, then runs it through the console front-end. */
async function type(session: DemoSession, out: Out, argv: string[], shown = argv): Promise<boolean> {
  if (session.interrupt.aborted) return false;
  out(`\n$ storywatch ${shown.join(' ')}`);
  const code = await session.console(argv);
  return code === 0 && !session.interrupt.aborted;
}

/** The hourly digest as a chat would get it, for the hour up to now. */
async function digestText(session: DemoSession): Promise<string> {
  const to = new Date();
  const window = { from: new Date(to.getTime() - 3600_000), to, timeZone: 'UTC' };
  const niches = await digestContent(session.core, window);
  return renderPlain(formatDigest(niches, window));
}

/** What the simulated accounts are like, in words. */
function population(sim: Simulator): string {
  const n = (kind: string) => sim.users.filter((u) => u.kind === kind).length;
  return [
    `${n('live')} with a live story`,
    `${n('expired')} whose story expired`,
    `${n('private')} private`,
    `${n('none')} without stories`,
    `${n('gone')} gone`,
    `1 that answers "not found" through one proxy only (a false 404); the second proxy is rate limited (429) at first`,
  ].join(', ');
}

/**
 * The steps a newcomer takes, each printed as the console prints it. Stops at the first command that
 * fails (false), since the next steps build on it.
 */
export async function walkthrough(session: DemoSession, sim: Simulator, out: Out): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'storywatch-demo-'));
  const fitness = sim.users.slice(0, FITNESS_COUNT);
  const travel = sim.users.slice(FITNESS_COUNT).map((u) => u.username);
  const importFile = join(dir, 'fitness-usernames.txt');
  const proxyFile = join(dir, 'proxies.txt');
  await writeFile(importFile, importFileText(fitness));
  await writeFile(proxyFile, proxyFileText(sim.proxyLines), { mode: 0o600 });
  const total = 7;
  out(
    [
      'storywatch demo: the whole workflow, against a SIMULATED Instagram on this machine.',
      `  Simulated Instagram ${sim.instagramUrl} with ${sim.users.length} accounts and 2 proxies on 127.0.0.1; nothing is sent to instagram.com.`,
      `  The accounts: ${population(sim)}.`,
      `  Its own database ${session.databaseName} (emptied at start) and Redis keys ${session.shellEnv.QUEUE_PREFIX}:*; your service's data is not touched.`,
    ].join('\n'),
  );
  try {
    header(out, 1, total, 'Two niches, and a daily story target (the dashed line on the chart)');
    if (!(await type(session, out, ['niche', 'add', 'fitness']))) return false;
    if (!(await type(session, out, ['niche', 'add', 'travel']))) return false;
    if (!(await type(session, out, ['target', 'set', 'fitness', '30']))) return false;

    header(out, 2, total, 'Import usernames: a .txt with junk lines, then a few typed ones');
    out(`(${importFile}: ${fitness.length} usernames as people paste them, plus a comment and junk lines)`);
    if (!(await type(session, out, ['import', 'fitness', importFile]))) return false;
    if (!(await type(session, out, ['import', 'travel', ...travel]))) return false;

    header(out, 3, total, 'Proxies (two simulated ones on loopback, with a password, so from a file)');
    if (!(await type(session, out, ['proxy', 'add', '--file', proxyFile]))) return false;
    if (!(await type(session, out, ['proxy', 'test']))) return false;

    header(out, 4, total, 'A batch, followed live');
    if (!(await type(session, out, ['batch', 'run', 'fitness', String(fitness.length), '--follow'])))
      return false;

    header(out, 5, total, 'Results: who has a story (last 24 h)');
    if (!(await type(session, out, ['results', 'fitness']))) return false;

    header(out, 6, total, 'Stats, with the chart as a PNG');
    await mkdir(session.dataDir, { recursive: true });
    const chart = join(session.dataDir, 'stats-chart.png');
    if (!(await type(session, out, ['stats', '--out', chart]))) return false;

    header(out, 7, total, 'The hourly digest (what a digest chat gets at the top of the hour)');
    out(await digestText(session));
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
