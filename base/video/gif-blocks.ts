/**
 * The GIF89a block layer that comments (gif-comment.ts) and C2PA manifests
 * (src/provenance/gif-asset.ts) are written into: the header, the colour tables, and data
 * carried in sub-blocks of at most 255 bytes ended by a zero-length block.
 *
 *   let pos = firstBlockOffset(gif);                    // after header + global colour table
 *   const { data, end } = readSubBlocks(gif, pos + 2);   // an extension's data, and where it ends
 */

export const EXTENSION_INTRODUCER = 0x21;
export const IMAGE_SEPARATOR = 0x2c;
export const TRAILER = 0x3b;
/** Signature + logical screen descriptor: `GIF89a`, width, height, packed flags, background, aspect. */
export const HEADER_BYTES = 13;
export const MAX_SUB_BLOCK = 255;

/** Whether `bytes` start like a GIF file. */
export function isGif(bytes: Uint8Array): boolean {
  const magic = new TextDecoder('latin1').decode(bytes.subarray(0, 6));
  return magic === 'GIF89a' || magic === 'GIF87a';
}

/** Offset of the first block after the header, logical screen descriptor and global colour table. */
export function firstBlockOffset(gif: Uint8Array): number {
  if (!isGif(gif) || gif.length < HEADER_BYTES) throw new Error('not a GIF file');
  return HEADER_BYTES + colourTableBytes(gif[10]);
}

/** Bytes of the colour table a packed field announces (flag in bit 7, size 2^(N+1) in bits 0–2). */
export function colourTableBytes(packed: number): number {
  return packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0;
}

/** The data of the sub-blocks starting at `start` (an application extension's fixed block counts as one), and the offset after their terminator. */
export function readSubBlocks(gif: Uint8Array, start: number): { data: Uint8Array; end: number } {
  const parts: Uint8Array[] = [];
  let pos = start;
  for (;;) {
    if (pos >= gif.length) throw new Error('GIF ends inside a block');
    const size = gif[pos];
    if (size === 0) break;
    if (pos + 1 + size > gif.length) throw new Error('GIF ends inside a block');
    parts.push(gif.subarray(pos + 1, pos + 1 + size));
    pos += 1 + size;
  }
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return { data, end: pos + 1 };
}
