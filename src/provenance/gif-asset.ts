/**
 * GIF as a @trustnxt/c2pa-ts asset (0.9.4 has none): the container handling only, so the
 * library's own manifest store, data-hash assertion, signing and validation work on GIFs as
 * they do on PNGs. Following the C2PA specification's GIF embedding (and c2pa-rs's GIF
 * handler, which writes the same bytes), the manifest store is one Application Extension
 *
 *   0x21 0xFF 0x0B 'C2PA_GIF' 0x01 0x00 0x00, the JUMBF in sub-blocks of ≤ 255 bytes, 0x00
 *
 * placed after the header, logical screen descriptor and global colour table, before the
 * first image; the hard binding's exclusion is that whole block. Decoders skip application
 * extensions they do not know, so the frames are untouched.
 *
 *   const asset = new GifAsset(gifBytes);
 *   await asset.ensureManifestSpace(store.measureSize()); // inserts the block, zero-filled
 *   await binding.updateWithAsset(asset); await manifest.sign(signer);
 *   await asset.writeManifestJUMBF(store.getBytes());
 *   const signed = await asset.getDataRange();
 */
import type { Asset } from '@trustnxt/c2pa-ts/asset';
import { EXTENSION_INTRODUCER, HEADER_BYTES, IMAGE_SEPARATOR, MAX_SUB_BLOCK, TRAILER, firstBlockOffset, isGif, readSubBlocks } from '../../base/video/gif-blocks.js';

const APPLICATION_LABEL = 0xff;
/** An application extension's fixed block: 8-byte identifier + 3-byte authentication code. */
const APPLICATION_BLOCK_SIZE = 0x0b;
/** The C2PA application identifier and authentication code, from the C2PA specification. */
export const C2PA_GIF_APPLICATION = Uint8Array.from([...new TextEncoder().encode('C2PA_GIF'), 0x01, 0x00, 0x00]);
/** Introducer, label, block size, identifier and code before the first data sub-block. */
const EXTENSION_HEADER = 3 + APPLICATION_BLOCK_SIZE;
/** The `7` of `GIF87a` / `9` of `GIF89a`. */
const VERSION_DIGIT = 4;

/** Where the C2PA block lies: `[start, start + length)` from its 0x21 to its terminator. */
interface BlockSpan {
  start: number;
  length: number;
}

export class GifAsset implements Asset {
  readonly mimeType = 'image/gif';
  private data: Uint8Array;
  private manifestBlock: BlockSpan | undefined;

  constructor(data: Uint8Array) {
    if (!GifAsset.canRead(data)) throw new Error('not a GIF file');
    this.data = data;
    this.manifestBlock = findC2paBlock(data);
  }

  static canRead(bytes: Uint8Array): boolean {
    return bytes.length >= HEADER_BYTES && isGif(bytes);
  }

  getDataLength(): number {
    return this.data.length;
  }

  async getDataRange(start = 0, length?: number): Promise<Uint8Array> {
    return this.data.subarray(start, length === undefined ? undefined : start + length);
  }

  dumpInfo(): string {
    const block = this.manifestBlock;
    return `GIF file: ${block ? `C2PA block at byte ${block.start} (${block.length} bytes)` : 'no C2PA block'}`;
  }

  /** The manifest store's JUMBF: the C2PA block's sub-blocks joined. */
  getManifestJUMBF(): Uint8Array | undefined {
    if (!this.manifestBlock) return undefined;
    return readSubBlocks(this.data, this.manifestBlock.start + EXTENSION_HEADER).data;
  }

  /**
   * A C2PA block with room for exactly `length` bytes of JUMBF (zero-filled), in place of the
   * one there, else inserted before the first block after the header; a GIF87a becomes GIF89a
   * (87a has no extensions).
   */
  async ensureManifestSpace(length: number): Promise<void> {
    if (this.manifestBlock && readSubBlocks(this.data, this.manifestBlock.start + EXTENSION_HEADER).data.length === length) return;
    const block = c2paBlock(new Uint8Array(length));
    const start = this.manifestBlock?.start ?? firstBlockOffset(this.data);
    const removed = this.manifestBlock?.length ?? 0;
    const out = new Uint8Array(this.data.length - removed + block.length);
    out.set(this.data.subarray(0, start), 0);
    out.set(block, start);
    out.set(this.data.subarray(start + removed), start + block.length);
    out[VERSION_DIGIT] = 0x39; // '9': 89a
    this.data = out;
    this.manifestBlock = { start, length: block.length };
  }

  getHashExclusionRange(): { start: number; length: number } {
    if (!this.manifestBlock) throw new Error('No manifest storage reserved');
    return { ...this.manifestBlock };
  }

  /** Fills the reserved C2PA block with `jumbf` (which must be the reserved length). */
  async writeManifestJUMBF(jumbf: Uint8Array): Promise<void> {
    const block = this.manifestBlock;
    if (!block || block.length !== c2paBlockLength(jumbf.length)) throw new Error('Wrong amount of space in asset');
    this.data.set(c2paBlock(jumbf), block.start);
  }
}

/** The C2PA application extension holding `jumbf`. */
function c2paBlock(jumbf: Uint8Array): Uint8Array {
  const block = new Uint8Array(c2paBlockLength(jumbf.length));
  block.set([EXTENSION_INTRODUCER, APPLICATION_LABEL, APPLICATION_BLOCK_SIZE], 0);
  block.set(C2PA_GIF_APPLICATION, 3);
  let pos = EXTENSION_HEADER;
  for (let i = 0; i < jumbf.length; i += MAX_SUB_BLOCK) {
    const piece = jumbf.subarray(i, i + MAX_SUB_BLOCK);
    block[pos] = piece.length;
    block.set(piece, pos + 1);
    pos += 1 + piece.length;
  }
  block[pos] = 0; // terminator
  return block;
}

/** Bytes of a C2PA block for `jumbfLength` bytes: header, a size byte per sub-block, data, terminator. */
function c2paBlockLength(jumbfLength: number): number {
  return EXTENSION_HEADER + Math.ceil(jumbfLength / MAX_SUB_BLOCK) + jumbfLength + 1;
}

/** The first C2PA application extension before the first image (where the specification puts it). */
function findC2paBlock(gif: Uint8Array): BlockSpan | undefined {
  let pos = firstBlockOffset(gif);
  while (pos < gif.length && gif[pos] !== IMAGE_SEPARATOR && gif[pos] !== TRAILER) {
    if (gif[pos] !== EXTENSION_INTRODUCER) throw new Error(`not a GIF block at byte ${pos} (0x${gif[pos].toString(16)})`);
    const end = readSubBlocks(gif, pos + 2).end;
    if (gif[pos + 1] === APPLICATION_LABEL && isC2paApplication(gif, pos)) return { start: pos, length: end - pos };
    pos = end;
  }
  return undefined;
}

function isC2paApplication(gif: Uint8Array, extension: number): boolean {
  return gif[extension + 2] === APPLICATION_BLOCK_SIZE && C2PA_GIF_APPLICATION.every((b, i) => gif[extension + 3 + i] === b);
}
