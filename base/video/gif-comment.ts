/**
 * GIF comment extensions (GIF89a: `0x21 0xFE`, then the text in sub-blocks of at most 255
 * bytes, then a zero-length block). Players and tools (exiftool, GIMP) show them as the
 * file's comment; they change no pixel.
 *
 *   const tagged = insertGifComment(gifBytes, 'seed=1\n');
 *   readGifComments(tagged) // ['seed=1\n']
 */

import { EXTENSION_INTRODUCER, IMAGE_SEPARATOR, MAX_SUB_BLOCK, TRAILER, colourTableBytes, firstBlockOffset, readSubBlocks } from './gif-blocks.js';

export { isGif } from './gif-blocks.js';

const COMMENT_LABEL = 0xfe;

/**
 * `gif` with one comment extension holding `text` (UTF-8) right after the header and global
 * colour table, before any frame, so readers that stop early still find it.
 */
export function insertGifComment(gif: Uint8Array, text: string): Uint8Array {
  const at = firstBlockOffset(gif);
  const body = new TextEncoder().encode(text);
  const blocks: number[] = [EXTENSION_INTRODUCER, COMMENT_LABEL];
  for (let i = 0; i < body.length; i += MAX_SUB_BLOCK) {
    const piece = body.subarray(i, i + MAX_SUB_BLOCK);
    blocks.push(piece.length, ...piece);
  }
  blocks.push(0);
  const out = new Uint8Array(gif.length + blocks.length);
  out.set(gif.subarray(0, at), 0);
  out.set(blocks, at);
  out.set(gif.subarray(at), at + blocks.length);
  return out;
}

/** The text of every comment extension in `gif`, in file order (UTF-8 decoded). */
export function readGifComments(gif: Uint8Array): string[] {
  const comments: string[] = [];
  let pos = firstBlockOffset(gif);
  while (pos < gif.length && gif[pos] !== TRAILER) {
    if (gif[pos] === EXTENSION_INTRODUCER) {
      const label = gif[pos + 1];
      const { data, end } = readSubBlocks(gif, pos + 2);
      if (label === COMMENT_LABEL) comments.push(new TextDecoder().decode(data));
      pos = end;
    } else if (gif[pos] === IMAGE_SEPARATOR) {
      const packed = gif[pos + 9];
      pos += 10 + colourTableBytes(packed) + 1; // descriptor, local colour table, LZW minimum code size
      pos = readSubBlocks(gif, pos).end;
    } else {
      throw new Error(`not a GIF block at byte ${pos} (0x${gif[pos]?.toString(16)})`);
    }
  }
  return comments;
}
