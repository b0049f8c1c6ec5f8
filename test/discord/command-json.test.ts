import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commands } from '../../src/bot/commands/registry.js';
import { type AnyCommand, defineCommand } from '../../src/bot/commands/types.js';
import { buildCommandSet, commandFor } from '../../src/bot/discord/command-json.js';
import { reply } from '../../src/reply/reply.js';
import { validateCommands } from '../fakes/fake-discord-wire.js';

const handler = async () => reply.text('ok');
const sample: AnyCommand[] = [
  defineCommand({
    path: ['import'],
    summary: 'Import usernames into a niche from a .txt file or typed usernames',
    args: [
      { name: 'usernames', description: 'Usernames typed out', type: 'rest' },
      { name: 'niche', description: 'The niche', type: 'string', required: true, autocomplete: 'niche' },
      { name: 'file', description: 'A .txt file, one username per line', type: 'file' },
    ],
    schema: z.object({}),
    handler,
  }),
  defineCommand({
    path: ['profiles', 'list'],
    summary: 'List profiles',
    args: [
      { name: 'niche', description: 'Niche', type: 'string', autocomplete: 'niche-or-unassigned' },
      { name: 'status', description: 'Status', type: 'string', choices: ['active', 'deleted'] },
      { name: 'page', description: 'Page', type: 'integer', keyword: true, min: 1, max: 10_000 },
    ],
    schema: z.object({}),
    handler,
  }),
  defineCommand({
    path: ['profiles', 'delete'],
    summary: 'x'.repeat(150),
    args: [],
    schema: z.object({}),
    handler,
  }),
  defineCommand({ path: ['stats'], summary: 'Statistics', args: [], schema: z.object({}), handler }),
];

describe('slash-command JSON from the registry', () => {
  it('GIVEN argument specs THEN option types, min/max, choices, autocomplete and attachment follow them', () => {
    const set = buildCommandSet(sample);
    expect(set.map((c) => c.name)).toEqual(['import', 'profiles', 'stats']);
    const imp = set.find((c) => c.name === 'import')!;
    // Required first: Discord refuses a required option after an optional one.
    expect(imp.options?.map((o) => [o.name, o.type, o.required])).toEqual([
      ['niche', 3, true],
      ['usernames', 3, false],
      ['file', 11, false],
    ]);
    expect(imp.options?.[0]?.autocomplete).toBe(true);
    const list = set.find((c) => c.name === 'profiles')!.options!.find((o) => o.name === 'list')!;
    expect(list.type).toBe(1);
    expect(list.options?.find((o) => o.name === 'page')).toMatchObject({
      type: 4,
      min_value: 1,
      max_value: 10_000,
    });
    expect(list.options?.find((o) => o.name === 'status')?.choices).toEqual([
      { name: 'active', value: 'active' },
      { name: 'deleted', value: 'deleted' },
    ]);
    expect(set.every((c) => c.default_member_permissions === '0')).toBe(true);
    expect(
      set.find((c) => c.name === 'profiles')!.options!.find((o) => o.name === 'delete')!.description,
    ).toHaveLength(100);
  });

  it('GIVEN the whole registry THEN Discord would accept the set', () => {
    const set = buildCommandSet(commands);
    expect(validateCommands(set)).toEqual([]);
    console.log(
      `registry: ${commands.length} commands -> ${set.length} slash commands (${set.map((c) => c.name).join(', ')})`,
    );
  });

  it('GIVEN options in the order Discord refuses THEN the fake refuses them too (the check above can fail)', () => {
    const bad = [
      {
        name: 'x',
        description: 'x',
        options: [
          { type: 3, name: 'a', description: 'a' },
          { type: 3, name: 'b', description: 'b', required: true },
        ],
      },
    ];
    expect(validateCommands(bad)).toEqual(['[0] x.b: required options must come before optional ones']);
  });

  it('GIVEN a slash command and subcommand THEN it resolves to the registry command', () => {
    expect(commandFor(sample, 'profiles', 'list')?.path).toEqual(['profiles', 'list']);
    expect(commandFor(sample, 'stats', null)?.path).toEqual(['stats']);
    expect(commandFor(sample, 'profiles', 'nope')).toBeUndefined();
  });
});
