/**
 * Writing a generated video with its provenance: container tags in every format, and a signed
 * C2PA manifest (embedded into the temporary file before it is renamed into
 * place, so a failed signature leaves nothing under the final name; sign.ts loads the signer). `.png` writes a contact
 * sheet of the frames (a still for pages that cannot play video); a one-frame video (generate --frames 1)
 * is written as that frame at the project's pixel scale, the size `generate --image` reads back.
 *
 *   const write = generatedWriterFor('out/ball.mp4'); // check the name before sampling
 *   await write(video, 'out/ball.mp4', { record, sign: await c2paSigner({}) });
 */
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import { writeFileAtomic } from '../../base/io/atomic.js';
import { contactSheet, DEFAULT_PIXEL_SCALE, encodePng, writeGif, writeMp4, type Video } from '../../base/video/index.js';
import type { C2paSign } from './sign.js';
import { provenanceTags, type ProvenanceRecord } from './tags.js';

export interface Provenance {
  record: ProvenanceRecord;
  /** Signs the C2PA manifest; null: tags only (where the C2PA library cannot load, see sign.ts). */
  sign: C2paSign | null;
}

type GeneratedWriter = (video: Video, file: string, provenance: Provenance) => Promise<void>;

/** MP4 (H.264, tags + C2PA), GIF (comment tags + C2PA), PNG contact sheet or single frame (iTXt tags + C2PA). */
export const GENERATED_WRITERS: Record<string, GeneratedWriter> = {
  '.mp4': (video, file, { record, sign }) =>
    writeMp4(video, file, { metadata: provenanceTags(record), finish: sign ? (bytes) => sign(bytes, 'mp4', record, file) : undefined }),
  '.gif': (video, file, { record, sign }) =>
    writeGif(video, file, { metadata: provenanceTags(record), finish: sign ? (bytes) => sign(bytes, 'gif', record, file) : undefined }),
  '.png': async (video, file, { record, sign }) => {
    const sheet = contactSheet(video, video.numFrames === 1 ? { scale: DEFAULT_PIXEL_SCALE } : {});
    const png = encodePng(sheet.rgb, sheet.width, sheet.height, { text: provenanceTags(record) });
    writeFileAtomic(file, sign ? await sign(png, 'png', record, file) : png);
  },
};

/**
 * The writer for `file`'s extension, or a one-line UserError naming the ones there are; call it
 * before spending time on the video.
 */
export function generatedWriterFor(file: string): GeneratedWriter {
  const ext = path.extname(file).toLowerCase();
  const writer = GENERATED_WRITERS[ext];
  if (!writer) {
    const known = Object.keys(GENERATED_WRITERS);
    throw new UserError(`cannot write ${file}: the name must end in ${known.slice(0, -1).join(', ')} or ${known.at(-1)}${ext ? `, not ${ext}` : ''}`);
  }
  return writer;
}
