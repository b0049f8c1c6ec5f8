import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');

/** Lints files laid out as in this repository, under this repository's biome.json, in a scratch tree. */
function lintAs(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sw-boundaries-'));
  scratch.push(dir);
  const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as Record<string, unknown>;
  delete config.vcs;
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const r = spawnSync(BIOME, ['lint', '--max-diagnostics=100', 'src'], { cwd: dir, encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}
const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

const rulesAt = (out: string, file: string) =>
  [...out.matchAll(new RegExp(`^${file.replace(/[.]/g, '\\.')}:\\d+:\\d+ lint/([\\w/]+)`, 'gm'))].map(
    (m) => m[1],
  );

/** A function whose body (between its braces) is `n` lines long. */
function lines(n: number): string {
  const body = Array.from({ length: n - 2 }, (_, i) => `  s += ${i};`).join('\n');
  return `export function f(): number {\n  let s = 0;\n${body}\n  return s;\n}\n`;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the layers keep to their boundaries (lint)', () => {
  it('GIVEN SQL, the composition root or another layer imported where it does not belong THEN lint refuses each, and allows the same import where it belongs', () => {
    const out = lintAs({
      'src/worker/uses-sql.ts': "import { sql } from 'drizzle-orm';\nexport const a = sql;\n",
      'src/bot/uses-schema.ts':
        "import { niches } from '../../core/db/schema/index.js';\nexport const a = niches;\n",
      'src/delivery/uses-app.ts':
        "import type { AppContext } from '../app/context.js';\nexport type A = AppContext;\n",
      'src/core/uses-checker.ts':
        "import type { CheckResult } from '../checker/types.js';\nexport type A = CheckResult;\n",
      'src/core/uses-queue.ts': "import { Queue } from 'bullmq';\nexport const a = Queue;\n",
      'src/core/stores-sql.ts': "import { sql } from 'drizzle-orm';\nexport const a = sql;\n",
      'src/app/wires.ts':
        "import type { AppContext } from './context.js';\nimport { x } from '../worker/x.js';\nexport const a = [x] as unknown as AppContext;\n",
    });
    expect(rulesAt(out, 'src/worker/uses-sql.ts')).toEqual(['style/noRestrictedImports']);
    expect(rulesAt(out, 'src/bot/uses-schema.ts')).toEqual(['style/noRestrictedImports']);
    expect(rulesAt(out, 'src/delivery/uses-app.ts')).toEqual(['style/noRestrictedImports']);
    expect(rulesAt(out, 'src/core/uses-checker.ts')).toEqual(['style/noRestrictedImports']);
    expect(rulesAt(out, 'src/core/uses-queue.ts')).toEqual(['style/noRestrictedImports']);
    expect(rulesAt(out, 'src/core/stores-sql.ts')).toEqual([]);
    expect(rulesAt(out, 'src/app/wires.ts')).toEqual([]);
    expect(out).toContain('SQL lives in src/core');
  });

  it('GIVEN the simulated Instagram imported outside src/demo THEN lint refuses it; src/demo may, and still gets no SQL or composition root', () => {
    const sim = "import { startSimulator } from '../simulator/index.js';\nexport const a = startSimulator;\n";
    const out = lintAs({
      'src/worker/uses-sim.ts': sim,
      'src/app/uses-sim.ts': sim,
      'src/core/uses-sim.ts': sim,
      'src/checker/uses-sim.ts':
        "import type { SimUser } from '../simulator/population.js';\nexport type A = SimUser;\n",
      'src/demo/uses-sim.ts': sim,
      'src/demo/uses-sql.ts': "import { sql } from 'drizzle-orm';\nexport const a = sql;\n",
      'src/demo/uses-app.ts':
        "import type { AppContext } from '../app/context.js';\nexport type A = AppContext;\n",
    });
    for (const file of [
      'src/worker/uses-sim.ts',
      'src/app/uses-sim.ts',
      'src/core/uses-sim.ts',
      'src/checker/uses-sim.ts',
    ])
      expect(rulesAt(out, file), file).toEqual(['style/noRestrictedImports']);
    expect(out).toContain('only src/demo starts it');
    expect(rulesAt(out, 'src/demo/uses-sim.ts')).toEqual([]);
    expect(rulesAt(out, 'src/demo/uses-sql.ts')).toEqual(['style/noRestrictedImports']);
    expect(rulesAt(out, 'src/demo/uses-app.ts')).toEqual(['style/noRestrictedImports']);
  });

  it('GIVEN a function body of 81 lines anywhere in src THEN lint refuses it; 80 lines pass', () => {
    const out = lintAs({ 'src/core/long.ts': lines(81), 'src/worker/short.ts': lines(80) });
    expect(rulesAt(out, 'src/core/long.ts')).toEqual(['complexity/noExcessiveLinesPerFunction']);
    expect(rulesAt(out, 'src/worker/short.ts')).toEqual([]);
  });

  it('GIVEN the source tree THEN no file outside src/core writes SQL through the raw client either', () => {
    // Lint sees imports; a tagged template on `core.sql` needs no import, so it is looked for here.
    const offenders = sourceFiles(join(ROOT, 'src'))
      .filter((p) => !relative(ROOT, p).startsWith('src/core/'))
      .filter((p) =>
        /\bsql(<[^>]*>)?`|\.db\s*\.\s*(select|insert|update|delete|execute|transaction)\(|\.sql\s*\.\s*(listen|notify|unsafe|begin)\(/.test(
          readFileSync(p, 'utf8'),
        ),
      )
      .map((p) => relative(ROOT, p));
    expect(offenders).toEqual([]);
  });
});
