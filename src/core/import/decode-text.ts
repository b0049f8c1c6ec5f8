import { UserError } from '../errors.js';

export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
}

function refuse(what: string): never {
  throw new UserError(
    'import_not_text',
    `${what} Send a plain text file: UTF-8 (with or without BOM) or UTF-16 with a BOM, one or more usernames per line.`,
  );
}

function decodeStrict(label: 'utf-8' | 'utf-16le', bytes: Uint8Array, what: string): string {
  try {
    // fatal: a file with invalid sequences is refused instead of silently turned into U+FFFD names.
    return new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return refuse(`The file is not valid ${what}.`);
  }
}

/**
 * Decodes an uploaded file's bytes. UTF-16 needs a BOM: without one it is indistinguishable from
 * binary data, whose NUL bytes are what gives it away (no text file has them in UTF-8).
 */
export function decodeText(bytes: Uint8Array): DecodedText {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: decodeUtf8(bytes.subarray(3)), encoding: 'utf-8-bom' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: decodeUtf16(bytes.subarray(2), 'le'), encoding: 'utf-16le' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: decodeUtf16(bytes.subarray(2), 'be'), encoding: 'utf-16be' };
  }
  return { text: decodeUtf8(bytes), encoding: 'utf-8' };
}

function decodeUtf8(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    refuse(
      `The file looks binary (a NUL byte at offset ${nul}); if it is UTF-16 text, save it with a byte order mark.`,
    );
  }
  return decodeStrict('utf-8', bytes, 'UTF-8 text (it has byte sequences that are not UTF-8)');
}

function decodeUtf16(bytes: Uint8Array, order: 'le' | 'be'): string {
  if (bytes.length % 2 !== 0)
    refuse(`The file starts like UTF-16 (${order.toUpperCase()}) but has an odd number of bytes.`);
  let le = bytes;
  if (order === 'be') {
    le = Buffer.from(bytes);
    (le as Buffer).swap16();
  }
  const text = decodeStrict('utf-16le', le, `UTF-16 (${order.toUpperCase()}) text`);
  if (text.includes('\0')) refuse('The file has NUL characters, so it is not a text file.');
  return text;
}
