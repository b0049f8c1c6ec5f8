/**
 * Telegram's HTML parse mode, as strictly as the real API applies it: only its tags, properly nested,
 * and `<`, `>`, `&` in text only as entities. Returns the visible text (what the 4,096 limit counts).
 */
const ALLOWED = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'tg-spoiler',
  'blockquote',
  'span',
]);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export function checkTelegramHtml(html: string): { plain: string } | { error: string } {
  const stack: string[] = [];
  let plain = '';
  let i = 0;
  while (i < html.length) {
    const ch = html[i]!;
    if (ch === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) return { error: `unclosed start tag at byte offset ${i}` };
      const tag = html.slice(i + 1, end);
      const close = tag.startsWith('/');
      const name = (close ? tag.slice(1) : tag).split(/\s/)[0]!.toLowerCase();
      if (!ALLOWED.has(name)) return { error: `unsupported start tag "${name}" at byte offset ${i}` };
      if (close) {
        if (stack.pop() !== name)
          return { error: `unmatched end tag at byte offset ${i}, expected "${stack.at(-1) ?? ''}"` };
      } else stack.push(name);
      i = end + 1;
      continue;
    }
    if (ch === '&') {
      const m = /^&(#\d+|[a-z]+);/.exec(html.slice(i, i + 12));
      const name = m?.[1];
      if (!name) return { error: `unescaped "&" at byte offset ${i}` };
      if (name.startsWith('#')) plain += String.fromCodePoint(Number(name.slice(1)));
      else if (ENTITIES[name]) plain += ENTITIES[name];
      else return { error: `unsupported entity "&${name};" at byte offset ${i}` };
      i += m[0].length;
      continue;
    }
    if (ch === '>') return { error: `unescaped ">" at byte offset ${i}` };
    plain += ch;
    i++;
  }
  if (stack.length > 0) return { error: `can't find end tag corresponding to start tag "${stack.at(-1)}"` };
  return { plain };
}
