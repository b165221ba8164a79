// Provenance in written files: tags in MP4/GIF/PNG, a signed C2PA manifest in each that a
// changed byte breaks, byte-identical repeats, and one-line errors for bad keys.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../base/errors.js';
import { formatTagLines, insertGifComment, makeVideo, parseTagLines, readGifComments, readVideo, writeGif, writeMp4, type Video } from '../../base/video/index.js';
import { readC2pa, NoManifestError } from './c2pa.js';
import { C2PA_GIF_APPLICATION, GifAsset } from './gif-asset.js';
import { localTestKey, resolveSigningKey, TEST_CERT_FILE, TEST_KEY_FILE, type SigningKey } from './keys.js';
import { formatCodeVersion, parseFfmetadata, PROVENANCE_TAG_KEYS, provenanceFromTags, provenanceTags, readProvenanceTags, type ProvenanceRecord } from './tags.js';
import { generationRecord } from './record.js';
import { signerWithKey } from './sign-c2pa.js';
import { GENERATED_WRITERS, generatedWriterFor } from './write.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-provenance-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => path.join(tmp, name);

const record: ProvenanceRecord = {
  aiGenerated: true,
  generator: { version: '0.1.0', commit: 'c'.repeat(40), dirty: false },
  model: { name: 'tiny/step-00000004', weightsSha256: 'ab'.repeat(32) },
  prompt: 'a red ball = "bounces";\nsecond line #1 \\ ünïcode',
  seeds: [7],
  sampler: 'heun',
  steps: 2,
  guidance: 3,
  shift: 1,
  givenFrames: null,
};

function clip(): Video {
  const v = makeVideo(4, 16, 16, 10);
  for (let i = 0; i < v.frames.length; i++) v.frames[i] = (i * 37) % 251;
  return v;
}

let key: SigningKey;
beforeAll(async () => {
  key = await localTestKey(at('keys'));
});

describe('container tags', () => {
  for (const ext of ['.mp4', '.gif', '.png']) {
    it(`${ext}: every field, read back from the file`, async () => {
      const file = at(`tags${ext}`);
      await GENERATED_WRITERS[ext](clip(), file, { record, sign: signerWithKey(key) });
      const tags = await readProvenanceTags(file);
      expect(tags.ai_generated).toBe('true');
      expect(tags.description).toMatch(/^AI-generated video: spacetime-lab model tiny\/step-00000004, seed 7, prompt "a red ball/);
      expect(provenanceFromTags(tags)).toEqual({ ...record, generator: `spacetime-lab ${formatCodeVersion(record.generator)}` });
    });
  }

  it('MP4 tags leave the pixel-scale comment that readVideo needs, and the frames unchanged', async () => {
    await writeMp4(clip(), at('plain.mp4'));
    await GENERATED_WRITERS['.mp4'](clip(), at('signed.mp4'), { record, sign: signerWithKey(key) });
    const [plain, signed] = [await readVideo(at('plain.mp4')), await readVideo(at('signed.mp4'))];
    expect([signed.numFrames, signed.height, signed.width]).toEqual([4, 16, 16]);
    expect(Buffer.from(signed.frames).equals(Buffer.from(plain.frames))).toBe(true);
  });

  it('a guidance method other than CFG, its interval and a frame scale are tagged and read back; CFG files carry none of them', () => {
    const guided: ProvenanceRecord = { ...record, guidanceMethod: 'interval', guidanceInterval: [0.2, 0.8], frameGuidance: 1.5 };
    const tags = provenanceTags(guided);
    expect([tags.guidance_method, tags.guidance_interval, tags.frame_guidance]).toEqual(['interval', '0.2,0.8', '1.5']);
    expect(provenanceFromTags(tags)).toEqual({ ...guided, generator: `spacetime-lab ${formatCodeVersion(record.generator)}` });
    expect(Object.keys(provenanceTags(record))).toEqual(PROVENANCE_TAG_KEYS.slice(0, 12));
    const pipe = { name: 'm', checkpoint: 'm', weightsSha256: 'ab' };
    const settings = { prompt: 'p', seeds: [1] };
    expect(generationRecord(pipe, { ...settings, guidanceMethod: 'cfg' })).toEqual(generationRecord(pipe, settings));
    expect(generationRecord(pipe, { ...settings, guidanceMethod: 'interval' }).guidanceInterval).toEqual([0.22, 0.84]);
    expect(generationRecord(pipe, { ...settings, guidanceMethod: 'apg' })).toMatchObject({ guidanceMethod: 'apg' });
  });

  it('GIF comments and ffmetadata escapes round-trip', () => {
    const tags = { prompt: 'a\\b\nc=d', seed: '1' };
    expect(parseTagLines(formatTagLines(tags))).toEqual(tags);
    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==', 'base64'); // 1×1, global colour table
    const long = 'x'.repeat(600); // more than two sub-blocks
    expect(readGifComments(insertGifComment(new Uint8Array(gif), long))).toEqual([long]);
    expect(parseFfmetadata(';FFMETADATA1\nprompt=a\\=b\\;c\\#d\\\\e\\\nf\nseed=1\n[STREAM]\nx=y\n')).toEqual({ prompt: 'a=b;c#d\\e\nf', seed: '1' });
  });

  it('picks the format by extension, any case, and refuses an unknown one before any work', async () => {
    await generatedWriterFor('by-ext.gif')(clip(), at('by-ext.gif'), { record, sign: null });
    await generatedWriterFor('by-ext.MP4')(clip(), at('by-ext.MP4'), { record, sign: null });
    expect(fs.readFileSync(at('by-ext.gif')).subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(fs.readFileSync(at('by-ext.MP4')).subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(() => generatedWriterFor('x.avi')).toThrow(/^cannot write x\.avi: the name must end in \.mp4, \.gif or \.png, not \.avi$/);
    expect(() => generatedWriterFor('clip')).toThrow(/^cannot write clip: the name must end in \.mp4, \.gif or \.png$/);
    expect(() => generatedWriterFor('x.avi')).toThrow(UserError);
  });
});

describe('C2PA manifest', () => {
  for (const [ext, binding] of [['.mp4', 'c2pa.hash.bmff.v2'], ['.png', 'c2pa.hash.data'], ['.gif', 'c2pa.hash.data']] as const) {
    it(`${ext}: valid when fresh, invalid after one byte changes, byte-identical when repeated`, async () => {
      const [a, b] = [at(`a${ext}`), at(`b${ext}`)];
      await GENERATED_WRITERS[ext](clip(), a, { record, sign: signerWithKey(key) });
      await GENERATED_WRITERS[ext](clip(), b, { record, sign: signerWithKey(key) });
      const bytes = new Uint8Array(fs.readFileSync(a));
      expect(Buffer.from(bytes).equals(fs.readFileSync(b))).toBe(true); // Ed25519 and no timestamp: deterministic

      const report = await readC2pa(bytes);
      expect(report.valid, report.failures.join()).toBe(true);
      expect(report.claimGenerator).toBe('spacetime-lab 0.1.0');
      expect(report.assertions.map((x) => x.label)).toEqual(['c2pa.actions.v2', binding]);
      const [created] = report.assertions[0].data as { action: string; digitalSourceType: string; parameters: Record<string, unknown> }[];
      expect(created.action).toBe('c2pa.created');
      expect(created.digitalSourceType).toBe('http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia');
      expect(created.parameters).toMatchObject({ prompt: record.prompt, seeds: [7], model_sha256: record.model.weightsSha256, given_frames: null, steps: 2 });
      expect(report.signer).toMatchObject({ algorithm: 'Ed25519', testKey: true, issuedByChain: true });

      const tampered = new Uint8Array(bytes);
      tampered[tampered.length - 20] ^= 1; // inside mdat (MP4) / the IEND-adjacent image data (PNG) / the last frame's LZW data (GIF)
      const broken = await readC2pa(tampered);
      expect(broken.valid).toBe(false);
      expect(broken.failures.join()).toMatch(/Hash\.mismatch/);
    });
  }

  it('a file without a manifest is a NoManifestError', async () => {
    await writeMp4(clip(), at('bare.mp4'));
    await expect(readC2pa(new Uint8Array(fs.readFileSync(at('bare.mp4'))))).rejects.toThrow(NoManifestError);
    await writeGif(clip(), at('bare.gif'), { metadata: provenanceTags(record) });
    await expect(readC2pa(new Uint8Array(fs.readFileSync(at('bare.gif'))))).rejects.toThrow(new NoManifestError('no C2PA manifest in it'));
  });

  it('GIF: the manifest is one C2PA_GIF application extension before the frames; without it the file is the unsigned GIF, same frames, same comment', async () => {
    const metadata = provenanceTags(record);
    await writeGif(clip(), at('unsigned.gif'), { metadata });
    await GENERATED_WRITERS['.gif'](clip(), at('signed.gif'), { record, sign: signerWithKey(key) });
    const [unsigned, signed] = [fs.readFileSync(at('unsigned.gif')), fs.readFileSync(at('signed.gif'))];
    const firstBlock = 13 + 3 * 2 ** ((signed[10] & 0x07) + 1); // header, screen descriptor, global colour table
    expect(signed[10] & 0x80).toBe(0x80);
    expect([...signed.subarray(firstBlock, firstBlock + 14)]).toEqual([0x21, 0xff, 0x0b, ...C2PA_GIF_APPLICATION]);

    const { start, length } = new GifAsset(new Uint8Array(signed)).getHashExclusionRange();
    expect(start).toBe(firstBlock);
    const jumbf = new GifAsset(new Uint8Array(signed)).getManifestJUMBF()!;
    expect(length).toBe(14 + Math.ceil(jumbf.length / 255) + jumbf.length + 1); // header, size bytes, JUMBF, terminator
    expect(Buffer.concat([signed.subarray(0, start), signed.subarray(start + length)]).equals(unsigned)).toBe(true);

    expect(readGifComments(new Uint8Array(signed))).toEqual([formatTagLines(metadata)]);
    const [plainVideo, signedVideo] = [await readVideo(at('unsigned.gif')), await readVideo(at('signed.gif'))];
    expect([signedVideo.numFrames, signedVideo.height, signedVideo.width]).toEqual([4, 16, 16]);
    expect(Buffer.from(signedVideo.frames).equals(Buffer.from(plainVideo.frames))).toBe(true);
  });

  it('GIF asset: a JUMBF of several sub-blocks round-trips, a GIF87a becomes 89a, and a new length replaces the block', async () => {
    const gif87 = Buffer.from('R0lGODdhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==', 'base64'); // 1×1 GIF87a, global colour table
    const asset = new GifAsset(new Uint8Array(gif87));
    expect(asset.getManifestJUMBF()).toBeUndefined();
    const jumbf = Uint8Array.from({ length: 600 }, (_, i) => (i * 7) % 256); // 255 + 255 + 90
    await asset.ensureManifestSpace(jumbf.length);
    expect(asset.getHashExclusionRange()).toEqual({ start: 19, length: 14 + 3 + 600 + 1 });
    await asset.writeManifestJUMBF(jumbf);
    const bytes = await asset.getDataRange();
    expect(Buffer.from(bytes.subarray(0, 6)).toString('latin1')).toBe('GIF89a');
    expect([bytes[33], bytes[33 + 256], bytes[33 + 512], bytes[33 + 512 + 91]]).toEqual([255, 255, 90, 0]);
    const reread = new GifAsset(bytes);
    expect(Buffer.from(reread.getManifestJUMBF()!).equals(Buffer.from(jumbf))).toBe(true);
    await reread.ensureManifestSpace(10);
    await reread.writeManifestJUMBF(jumbf.subarray(0, 10));
    const replaced = await reread.getDataRange();
    expect(replaced.length).toBe(gif87.length + 14 + 1 + 10 + 1);
    expect(Buffer.from(new GifAsset(replaced).getManifestJUMBF()!).equals(Buffer.from(jumbf.subarray(0, 10)))).toBe(true);
    await expect(reread.writeManifestJUMBF(jumbf)).rejects.toThrow(/Wrong amount of space/);
  });
});

describe('signing keys', () => {
  it('the test key is made once and reused', async () => {
    const again = await localTestKey(at('keys'));
    expect(again.signer.certificate.serialNumber).toBe(key.signer.certificate.serialNumber);
    expect(fs.readdirSync(at('keys')).sort()).toEqual(['README.txt', TEST_CERT_FILE, TEST_KEY_FILE].sort());
  });

  it('a missing, unreadable, unpaired or mismatched key is a one-line error naming the file', async () => {
    const cert = path.join(at('keys'), TEST_CERT_FILE);
    await expect(resolveSigningKey({ keyFile: at('nope.pem'), certFile: cert })).rejects.toThrow(new UserError(`cannot read signing key ${at('nope.pem')} (ENOENT)`));
    fs.writeFileSync(at('junk.pem'), 'not a key');
    await expect(resolveSigningKey({ keyFile: at('junk.pem'), certFile: cert })).rejects.toThrow(`signing key ${at('junk.pem')} is not a PEM private key`);
    await expect(resolveSigningKey({ keyFile: at('junk.pem') })).rejects.toThrow(/needs its pair: set --sign-cert or SPACETIME_C2PA_CERT too/);
    const other = crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    fs.writeFileSync(at('other.pem'), other);
    await expect(resolveSigningKey({ keyFile: at('other.pem'), certFile: cert })).rejects.toThrow(`signing key ${at('other.pem')} is not the key of the first certificate in ${cert}`);
  });

  it('a user key from files signs, and a failed signing leaves no file', async () => {
    const user = await resolveSigningKey({ keyFile: path.join(at('keys'), TEST_KEY_FILE), certFile: path.join(at('keys'), TEST_CERT_FILE) });
    expect(user.testKey).toBe(false);
    await GENERATED_WRITERS['.mp4'](clip(), at('user.mp4'), { record, sign: signerWithKey(user) });
    expect((await readC2pa(new Uint8Array(fs.readFileSync(at('user.mp4'))))).valid).toBe(true);
    const failing: SigningKey = { ...user, signer: { ...user.signer, sign: async () => { throw new Error('HSM offline'); } } };
    await expect(GENERATED_WRITERS['.mp4'](clip(), at('never.mp4'), { record, sign: signerWithKey(failing) })).rejects.toThrow(/^cannot sign .*never\.mp4 with .*: HSM offline$/);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('never'))).toEqual([]);
  });
});
