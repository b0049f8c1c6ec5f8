import { describe, expect, it } from 'vitest';
import { MESSAGE_LIMIT, renderReply, splitLines } from '../../src/bot/telegram/render.js';
import { reply, tableBlock, textBlock, usernamesBlock } from '../../src/reply/reply.js';
import { checkTelegramHtml } from '../fakes/telegram-html.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `user_${String(i).padStart(5, '0')}`);

describe('Telegram renderer', () => {
  it('GIVEN text with <, > and & THEN the HTML is escaped and parses as Telegram would', () => {
    const [out] = renderReply(reply.error('niche "<b>a&b</b>" not found'));
    expect(out).toEqual({ kind: 'text', html: '⛔ niche "&lt;b&gt;a&amp;b&lt;/b&gt;" not found' });
    expect(checkTelegramHtml(out?.kind === 'text' ? out.html : '')).toEqual({
      plain: '⛔ niche "<b>a&b</b>" not found',
    });
  });

  it('GIVEN a username list that fits THEN it is one <pre> block after its title', () => {
    const out = renderReply(reply.of([usernamesBlock('Stories', ['a_1', 'b.2'], 'stories.txt')]));
    expect(out).toEqual([{ kind: 'text', html: '<b>Stories (2)</b>\n<pre>a_1\nb.2</pre>' }]);
  });

  it('GIVEN 2,000 usernames THEN they become one .txt document holding every name and nothing is cut', () => {
    const list = names(2000);
    const out = renderReply(reply.of([textBlock('Batch done'), usernamesBlock('Found', list, 'found.txt')]));
    expect(out.map((o) => o.kind)).toEqual(['text', 'document']);
    const doc = out[1];
    if (doc?.kind !== 'document') throw new Error('expected a document');
    expect(doc.fileName).toBe('found.txt');
    expect(doc.content.trim().split('\n')).toEqual(list);
    expect(doc.captionHtml).toContain('Found (2000)');
  });

  it('GIVEN a list just under the limit THEN it stays a message; one name more THEN it becomes a document', () => {
    // "T (n)\n" + names joined by \n: pick n so the visible text is exactly 4,096 characters or one over.
    const fits = (n: number) => `T (${n})\n${names(n).join('\n')}`.length;
    let n = 1;
    while (fits(n + 1) <= MESSAGE_LIMIT) n++;
    expect(renderReply(reply.of([usernamesBlock('T', names(n), 't.txt')]))[0]?.kind).toBe('text');
    expect(renderReply(reply.of([usernamesBlock('T', names(n + 1), 't.txt')]))[0]?.kind).toBe('document');
  });

  it('GIVEN blocks that together pass 4,096 characters THEN they go in several messages, none over the limit', () => {
    const blocks = Array.from({ length: 6 }, (_, i) => textBlock(`${i}:${'x'.repeat(1500)}`));
    const out = renderReply(reply.of(blocks));
    expect(out.length).toBeGreaterThan(1);
    for (const o of out) {
      const checked = o.kind === 'text' ? checkTelegramHtml(o.html) : { error: 'not text' };
      if ('error' in checked) throw new Error(checked.error);
      expect(checked.plain.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    }
    expect(out.map((o) => (o.kind === 'text' ? o.html : '')).join('')).toContain('5:');
  });

  it('GIVEN a table THEN it is a <pre> block with escaped cells', () => {
    const [out] = renderReply(reply.of([tableBlock(['niche', 'target'], [['a<b', '5']])]));
    expect(out).toEqual({ kind: 'text', html: '<pre>niche  target\n-----  ------\na&lt;b    5</pre>' });
  });

  it('GIVEN one 10,000-character line THEN splitLines keeps every character across chunks', () => {
    const text = `head\n${'y'.repeat(10_000)}\ntail`;
    const chunks = splitLines(text, MESSAGE_LIMIT);
    expect(chunks.every((c) => c.length <= MESSAGE_LIMIT)).toBe(true);
    expect(chunks.join('').replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
  });
});
