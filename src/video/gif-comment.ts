/**
 * GIF comment extensions (GIF89a: `0x21 0xFE`, then the text in sub-blocks of at most 255
 * bytes, then a zero-length block). Players and tools (exiftool, GIMP) show them as the
 * file's comment; they change no pixel.
 *
 *   const tagged = insertGifComment(gifBytes, 'seed=1\n');
 *   readGifComments(tagged) // ['seed=1\n']
 */

const EXTENSION_INTRODUCER = 0x21;
const COMMENT_LABEL = 0xfe;
const IMAGE_SEPARATOR = 0x2c;
const TRAILER = 0x3b;
/** Signature + logical screen descriptor: `GIF89a`, width, height, packed flags, background, aspect. */
const HEADER_BYTES = 13;
const MAX_SUB_BLOCK = 255;

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

/** Whether `bytes` start like a GIF file. */
export function isGif(bytes: Uint8Array): boolean {
  const magic = new TextDecoder('latin1').decode(bytes.subarray(0, 6));
  return magic === 'GIF89a' || magic === 'GIF87a';
}

function firstBlockOffset(gif: Uint8Array): number {
  if (!isGif(gif) || gif.length < HEADER_BYTES) throw new Error('not a GIF file');
  return HEADER_BYTES + colourTableBytes(gif[10]);
}

/** Bytes of the colour table a packed field announces (flag in bit 7, size 2^(N+1) in bits 0–2). */
function colourTableBytes(packed: number): number {
  return packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0;
}

function readSubBlocks(gif: Uint8Array, start: number): { data: Uint8Array; end: number } {
  const parts: Uint8Array[] = [];
  let pos = start;
  for (;;) {
    if (pos >= gif.length) throw new Error('GIF ends inside a block');
    const size = gif[pos];
    if (size === 0) break;
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
