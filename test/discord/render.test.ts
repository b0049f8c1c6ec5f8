import { describe, expect, it } from 'vitest';
import { CONTENT_LIMIT, codeBlock, escapeText, renderDiscordReply } from '../../src/bot/discord/render.js';
import { reply, tableBlock, textBlock, usernamesBlock } from '../../src/reply/reply.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `story_user_${String(i).padStart(5, '0')}`);

describe('Discord renderer', () => {
  it('GIVEN a list that fits THEN it is a code block in the message and nothing is attached', () => {
    const out = renderDiscordReply(reply.of([usernamesBlock('Fitness', names(10), 'fitness.txt')]));
    expect(out.files).toEqual([]);
    expect(out.content).toContain('**Fitness (10)**');
    expect(out.content).toContain(`\`\`\`\n${names(10).join('\n')}\n\`\`\``);
  });

  it('GIVEN a list too long for 2,000 characters THEN the whole list is a .txt attachment and the message fits', () => {
    const list = names(300);
    const out = renderDiscordReply(
      reply.of([textBlock('Results for the last 24 h'), usernamesBlock('Fitness', list, 'fitness.txt')]),
    );
    expect(out.content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    expect(out.content).toContain('the full list is attached as fitness.txt');
    expect(out.files.map((f) => f.name)).toEqual(['fitness.txt']);
    const attached = out.files[0]!.data.toString('utf8').trim().split('\n');
    expect(attached).toEqual(list);
    console.log(`300 usernames (${list.join('\n').length} chars) -> attachment of ${attached.length} lines`);
  });

  it('GIVEN two blocks that only together exceed the limit THEN the larger one moves to a file, the smaller stays inline', () => {
    const small = names(20);
    const large = names(100);
    const out = renderDiscordReply(
      reply.of([usernamesBlock('Small', small, 'small.txt'), usernamesBlock('Large', large, 'large.txt')]),
    );
    expect(out.files.map((f) => f.name)).toEqual(['large.txt']);
    expect(out.content).toContain(small.join('\n'));
    expect(out.content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
  });

  it('GIVEN a table THEN it is rendered in a code block', () => {
    const out = renderDiscordReply(
      reply.of([
        tableBlock(
          ['niche', 'profiles'],
          [
            ['Fitness', '12'],
            ['Travel', '3'],
          ],
        ),
      ]),
    );
    expect(out.content).toBe(codeBlock('niche    profiles\n-------  --------\nFitness  12\nTravel   3'));
  });

  it('GIVEN text longer than a message THEN it is attached whole as message.txt, never cut', () => {
    const long = Array.from({ length: 120 }, (_, i) => `line ${i} of a long help text`).join('\n');
    const out = renderDiscordReply(reply.text(long));
    expect(out.content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    expect(out.files[0]?.name).toBe('message.txt');
    expect(out.files[0]?.data.toString('utf8')).toBe(`${long}\n`);
  });

  it('GIVEN usernames with underscores in text THEN markdown is escaped but `inline code` is kept', () => {
    expect(escapeText('imported a_b_c, run `/digest here`')).toBe('imported a\\_b\\_c, run `/digest here`');
    expect(codeBlock('x```y')).not.toMatch(/x```y/);
  });

  it('GIVEN an error reply THEN it is marked as one', () => {
    expect(renderDiscordReply(reply.error('Unknown niche "x".')).content).toBe('⛔ Unknown niche "x".');
  });
});
