/**
 * The size a PNG declares, or undefined when the bytes are not a whole PNG: the 8-byte signature, the
 * IHDR chunk first (width and height), the IEND chunk last.
 */
export function pngSize(bytes: Buffer | Uint8Array): { width: number; height: number } | undefined {
  const b = Buffer.from(bytes);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (b.length < 24 || !b.subarray(0, 8).equals(signature)) return undefined;
  // The first chunk must be IHDR: length (4 bytes, 13), type, then width and height (big-endian).
  if (b.readUInt32BE(8) !== 13 || b.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  // A whole file ends with the IEND chunk (its length, type and CRC): a cut-off upload does not.
  if (b.toString('latin1', b.length - 8, b.length - 4) !== 'IEND') return undefined;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
