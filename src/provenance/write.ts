/**
 * Writing a generated video with its provenance: container tags in every format, and a signed
 * C2PA manifest (embedded into the temporary file before it is renamed into
 * place, so a failed signature leaves nothing under the final name). `.png` writes a contact
 * sheet of the frames (a still for pages that cannot play video).
 *
 *   const write = generatedWriterFor('out/ball.mp4'); // check the name before sampling
 *   await write(video, 'out/ball.mp4', { record, key: await resolveSigningKey({}) });
 */
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { contactSheet, encodePng, writeGif, writeMp4, type Video } from '../video/index.js';
import { embedC2pa, type SignableFormat } from './c2pa.js';
import type { SigningKey } from './keys.js';
import { provenanceTags, type ProvenanceRecord } from './tags.js';

export interface Provenance {
  record: ProvenanceRecord;
  /** Signs the C2PA manifest. */
  key: SigningKey;
}

type GeneratedWriter = (video: Video, file: string, provenance: Provenance) => Promise<void>;

/** MP4 (H.264, tags + C2PA), GIF (comment tags + C2PA), PNG contact sheet (iTXt tags + C2PA). */
export const GENERATED_WRITERS: Record<string, GeneratedWriter> = {
  '.mp4': (video, file, { record, key }) =>
    writeMp4(video, file, { metadata: provenanceTags(record), finish: (bytes) => signed(bytes, 'mp4', record, key, file) }),
  '.gif': (video, file, { record, key }) =>
    writeGif(video, file, { metadata: provenanceTags(record), finish: (bytes) => signed(bytes, 'gif', record, key, file) }),
  '.png': async (video, file, { record, key }) => {
    const sheet = contactSheet(video);
    const png = encodePng(sheet.rgb, sheet.width, sheet.height, { text: provenanceTags(record) });
    writeFileAtomic(file, await signed(png, 'png', record, key, file));
  },
};

async function signed(bytes: Uint8Array, format: SignableFormat, record: ProvenanceRecord, key: SigningKey, file: string): Promise<Uint8Array> {
  try {
    return await embedC2pa(bytes, format, record, key);
  } catch (err) {
    throw new UserError(`cannot sign ${file} with ${key.keyFile}: ${(err as Error).message.split('\n')[0]}`);
  }
}

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
