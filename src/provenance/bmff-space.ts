/**
 * Room for a C2PA manifest in an MP4: an empty C2PA `uuid` box right after `ftyp` (where C2PA
 * readers look for it), with every chunk offset in `moov` moved by the box's size so the video
 * still plays. @trustnxt/c2pa-ts 0.9.4 inserts the box itself but moves no chunk offset (it
 * targets HEIF stills), which leaves an MP4 whose frames no decoder finds; given a box of the
 * right size already in place, it only fills it.
 *
 *   const roomy = reserveC2paBox(mp4Bytes, store.measureSize());
 */

/** The C2PA box's uuid (D8FEC3D6-1B0E-483C-9297-5828877EC481), from the C2PA specification. */
export const C2PA_BOX_UUID = Uint8Array.of(0xd8, 0xfe, 0xc3, 0xd6, 0x1b, 0x0e, 0x48, 0x3c, 0x92, 0x97, 0x58, 0x28, 0x87, 0x7e, 0xc4, 0x81);
/** What the box holds: a manifest store (not a Merkle tree of fragments). */
const PURPOSE = 'manifest';
/** size + 'uuid' + user type + version/flags + purpose + NUL + 64-bit Merkle offset (0: none). */
const C2PA_BOX_HEADER = 4 + 4 + 16 + 4 + PURPOSE.length + 1 + 8;
/** Boxes that only hold boxes, on the way from `moov` to the chunk offset tables. */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);

interface BoxRef {
  type: string;
  start: number;
  size: number;
  /** Where the payload starts (after size, type and any 64-bit size). */
  body: number;
}

/**
 * `mp4` with an empty C2PA box for a `manifestLength`-byte manifest store after `ftyp`, and
 * its `stco`/`co64` chunk offsets moved past the new box. Throws on a file with a C2PA box
 * already, or without `ftyp`/`moov`, or with offsets in a fragmented layout (`moof`).
 */
export function reserveC2paBox(mp4: Uint8Array, manifestLength: number): Uint8Array {
  const top = readBoxes(mp4, 0, mp4.length);
  if (top[0]?.type !== 'ftyp') throw new Error('not an MP4: it does not start with an ftyp box');
  if (top.some((b) => b.type === 'moof')) throw new Error('fragmented MP4 is not supported');
  if (top.some((b) => b.type === 'uuid' && isC2paBox(mp4, b))) throw new Error('the MP4 already holds a C2PA box');
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new Error('not an MP4: no moov box');
  const at = top[0].start + top[0].size;
  const boxSize = C2PA_BOX_HEADER + manifestLength;

  const out = new Uint8Array(mp4.length + boxSize);
  out.set(mp4.subarray(0, at), 0);
  out.set(emptyC2paBox(boxSize), at);
  out.set(mp4.subarray(at), at + boxSize);
  // The tables' positions in `out` are their positions in `mp4` shifted when they lie past the box.
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const shift = (pos: number) => (pos >= at ? pos + boxSize : pos);
  for (const table of chunkOffsetTables(mp4, moov)) {
    const body = shift(table.body);
    const count = view.getUint32(body + 4); // after version and flags
    for (let i = 0; i < count; i++) {
      if (table.type === 'stco') {
        const pos = body + 8 + 4 * i;
        const offset = view.getUint32(pos);
        if (offset >= at) {
          if (offset + boxSize > 0xffffffff) throw new Error('a chunk offset would pass 4 GiB');
          view.setUint32(pos, offset + boxSize);
        }
      } else {
        const pos = body + 8 + 8 * i;
        const offset = view.getBigUint64(pos);
        if (offset >= BigInt(at)) view.setBigUint64(pos, offset + BigInt(boxSize));
      }
    }
  }
  return out;
}

function emptyC2paBox(size: number): Uint8Array {
  const box = new Uint8Array(size);
  const view = new DataView(box.buffer);
  view.setUint32(0, size);
  box.set(new TextEncoder().encode('uuid'), 4);
  box.set(C2PA_BOX_UUID, 8);
  // bytes 24..27: version 0, flags 0
  box.set(new TextEncoder().encode(PURPOSE), 28); // then NUL, the zero Merkle offset and the zeroed manifest space
  return box;
}

function isC2paBox(bytes: Uint8Array, box: BoxRef): boolean {
  return C2PA_BOX_UUID.every((b, i) => bytes[box.body + i] === b);
}

/** Every `stco` and `co64` table under `moov`. */
function chunkOffsetTables(bytes: Uint8Array, moov: BoxRef): BoxRef[] {
  const found: BoxRef[] = [];
  const visit = (box: BoxRef) => {
    if (box.type === 'stco' || box.type === 'co64') found.push(box);
    else if (CONTAINERS.has(box.type)) readBoxes(bytes, box.body, box.start + box.size).forEach(visit);
  };
  visit(moov);
  return found;
}

/** The boxes laid end to end in `bytes[from, to)`. */
function readBoxes(bytes: Uint8Array, from: number, to: number): BoxRef[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: BoxRef[] = [];
  for (let pos = from; pos < to; ) {
    if (to - pos < 8) throw new Error(`truncated box header at byte ${pos}`);
    let size = view.getUint32(pos);
    let body = pos + 8;
    if (size === 1) {
      size = Number(view.getBigUint64(pos + 8));
      body += 8;
    } else if (size === 0) size = to - pos; // to the end
    if (size < body - pos || pos + size > to) throw new Error(`box at byte ${pos} runs past its parent`);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    boxes.push({ type, start: pos, size, body }); // a uuid box's user type starts at body
    pos += size;
  }
  return boxes;
}
