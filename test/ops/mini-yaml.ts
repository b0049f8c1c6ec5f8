/**
 * A deliberately small YAML reader for docker-compose.yml: block mappings, block sequences, plain and
 * quoted scalars, flow sequences of scalars and comments. There is no YAML package in the project and
 * Docker cannot run here, so this is the honest option: anything outside the subset (anchors, block
 * scalars, flow mappings, tabs, multiple documents) is an error rather than a guess, which keeps the
 * compose file in a shape this parse can vouch for.
 */
export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue } | null;

interface Line {
  indent: number;
  text: string;
  no: number;
}

export class YamlSubsetError extends Error {
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
  }
}

function stripComment(raw: string): string {
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#' && (i === 0 || raw[i - 1] === ' ')) {
      return raw.slice(0, i);
    }
  }
  return raw;
}

function scalar(text: string, no: number): YamlValue {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null') return null;
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) throw new YamlSubsetError('unterminated "string"', no);
    return JSON.parse(t) as string;
  }
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) throw new YamlSubsetError("unterminated 'string'", no);
    return t.slice(1, -1).replaceAll("''", "'");
  }
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new YamlSubsetError('unterminated flow sequence', no);
    const inner = t.slice(1, -1).trim();
    if (inner === '') return [];
    const items: YamlValue[] = [];
    for (const part of inner.match(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^,]+/g) ?? []) {
      if (part.trim() !== '') items.push(scalar(part, no));
    }
    return items;
  }
  if (/^[{&*!|>%@`]/.test(t)) throw new YamlSubsetError(`unsupported syntax: ${t.slice(0, 20)}`, no);
  return t;
}

/** Splits `key: value` at the first colon followed by a space or the line's end, outside quotes. */
function splitKey(text: string): [string, string] | undefined {
  const m = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^"'\s][^:]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!m) return undefined;
  const key = m[1]!;
  return [key.startsWith('"') || key.startsWith("'") ? key.slice(1, -1) : key, m[2] ?? ''];
}

export function parseYamlSubset(source: string): YamlValue {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, i) => {
    if (raw.includes('\t')) throw new YamlSubsetError('tabs are not allowed', i + 1);
    const body = stripComment(raw).trimEnd();
    if (body.trim() === '') return;
    if (body.trim() === '---' || body.trim() === '...') throw new YamlSubsetError('one document only', i + 1);
    lines.push({ indent: body.length - body.trimStart().length, text: body.trim(), no: i + 1 });
  });
  let pos = 0;

  const parseBlock = (indent: number): YamlValue => {
    const first = lines[pos];
    if (!first || first.indent < indent) return null;
    if (first.text.startsWith('- ') || first.text === '-') return parseSequence(first.indent);
    return parseMapping(first.indent);
  };

  const parseSequence = (indent: number): YamlValue[] => {
    const out: YamlValue[] = [];
    while (pos < lines.length && lines[pos]!.indent === indent && lines[pos]!.text.startsWith('-')) {
      const line = lines[pos]!;
      const rest = line.text.slice(1).trim();
      pos++;
      if (rest === '') {
        out.push(parseBlock(indent + 1));
      } else if (splitKey(rest) && !rest.startsWith('"') && !rest.startsWith("'")) {
        // `- key: value` starts a mapping whose further keys are indented past the dash.
        lines.splice(pos, 0, { indent: indent + 2, text: rest, no: line.no });
        out.push(parseMapping(indent + 2));
      } else {
        out.push(scalar(rest, line.no));
      }
    }
    return out;
  };

  const parseMapping = (indent: number): { [key: string]: YamlValue } => {
    const out: { [key: string]: YamlValue } = {};
    while (pos < lines.length && lines[pos]!.indent === indent) {
      const line = lines[pos]!;
      const kv = splitKey(line.text);
      if (!kv) throw new YamlSubsetError(`expected "key: value", got "${line.text}"`, line.no);
      const [key, value] = kv;
      if (Object.hasOwn(out, key)) throw new YamlSubsetError(`duplicate key "${key}"`, line.no);
      pos++;
      if (value === '') {
        const next = lines[pos];
        const nested =
          next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- ')));
        out[key] = nested ? parseBlock(next.indent) : null;
      } else {
        out[key] = scalar(value, line.no);
      }
    }
    const stray = lines[pos];
    if (stray && stray.indent > indent) throw new YamlSubsetError('unexpected indentation', stray.no);
    return out;
  };

  const doc = parseBlock(0);
  if (pos < lines.length) throw new YamlSubsetError('unexpected content', lines[pos]!.no);
  return doc;
}
