// `spacetime generate` writes its provenance (tags and a signed C2PA manifest) into MP4, GIF and
// PNG; `spacetime verify` passes a fresh file and fails a changed one or one without a manifest,
// each with one line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProvenanceTags } from '../src/provenance/tags.js';
import { sha256 } from '../base/io/hash.js';
import { spacetimeIn } from './spacetime-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-provenance-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const spacetime = spacetimeIn(tmp);
const at = (name: string) => path.join(tmp, name);
process.env.XDG_CONFIG_HOME = at('config'); // the children's local test key lives here, not in ~/.config
const PROMPT = 'a red ball bounces on the floor';
const GENERATE = ['generate', PROMPT, '--checkpoint', 'runs/tiny', '--steps', '2', '--seed', '5'];

beforeAll(() => {
  expect(spacetime('data', 'make', '--families', 'bounce,slide', '--n', '4', '--size', '16', '--frames', '4', '--out', 'data', '--quiet').code).toBe(0);
  expect(spacetime('train', '--preset', 'tiny', '--data', 'data', '--steps', '2', '--batch-size', '2', '--out', 'runs/tiny', '--quiet').code).toBe(0);
}, 300_000);

describe('provenance of generated files', () => {
  it('MP4, GIF and PNG say what made them; the weights sha256 is the checkpoint EMA file’s', async () => {
    const checkpoint = fs.realpathSync(at('runs/tiny/checkpoints/step-00000002'));
    const weights = sha256(fs.readFileSync(path.join(checkpoint, 'ema.safetensors')));
    for (const ext of ['mp4', 'gif', 'png']) {
      const r = spacetime(...GENERATE, '--out', `v.${ext}`);
      expect(r.code, r.stderr).toBe(0);
      const tags = await readProvenanceTags(at(`v.${ext}`));
      expect(tags).toMatchObject({
        ai_generated: 'true',
        model: 'tiny/step-00000002',
        model_sha256: weights,
        prompt: PROMPT,
        seed: '5',
        sampler: 'heun',
        steps: '2',
        guidance: '3',
        shift: '1',
        given_frames: 'none',
      });
      expect(tags.generator).toMatch(/^spacetime-lab 0\.1\.0( \(git [0-9a-f]{40}( \+ uncommitted changes)?\))?$/);
    }
    expect(fs.readFileSync(at('v.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
  }, 300_000);

  it('verify passes a fresh MP4, PNG and GIF, and fails a changed byte', () => {
    for (const file of ['v.mp4', 'v.png', 'v.gif']) {
      const ok = spacetime('verify', file);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/claim generator {2}spacetime-lab 0\.1\.0/);
      expect(ok.stdout).toMatch(/c2pa\.created \(trainedAlgorithmicMedia\)/);
      expect(ok.stdout).toContain(`prompt: "${PROMPT}"`);
      expect(ok.stdout).toMatch(/signer {11}CN=spacetime-lab TEST signer/);
      expect(ok.stdout).toMatch(/validation {7}valid: .*assertion\.(bmffHash|dataHash)\.match/);
    }
    const bytes = fs.readFileSync(at('v.mp4'));
    bytes[bytes.length - 10] ^= 0x01; // a byte of the last frame's data
    fs.writeFileSync(at('tampered.mp4'), bytes);
    const bad = spacetime('verify', 'tampered.mp4');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('spacetime: tampered.mp4 does not validate: the content changed after it was signed (assertion.bmffHash.mismatch)');

    const gif = fs.readFileSync(at('v.gif'));
    gif[gif.length - 10] ^= 0x01; // a byte of the last frame's LZW data (the last byte is the trailer)
    fs.writeFileSync(at('tampered.gif'), gif);
    const badGif = spacetime('verify', 'tampered.gif');
    expect(badGif.code).toBe(1);
    expect(badGif.stderr).toBe('spacetime: tampered.gif does not validate: the content changed after it was signed (assertion.dataHash.mismatch)');
  });

  it('verify names a file with no manifest in one line', () => {
    const mp4 = fs.readFileSync(at('v.mp4'));
    const ftypEnd = mp4.readUInt32BE(0);
    const c2paBox = mp4.readUInt32BE(ftypEnd); // the C2PA uuid box sits right after ftyp
    expect(mp4.subarray(ftypEnd + 4, ftypEnd + 8).toString('latin1')).toBe('uuid');
    // Overwrite the box's type so no reader sees a manifest (the rest of the file is unchanged).
    const stripped = Buffer.from(mp4);
    stripped.write('free', ftypEnd + 4, 'latin1');
    fs.writeFileSync(at('stripped.mp4'), stripped);
    expect(c2paBox).toBeGreaterThan(1000);
    const r = spacetime('verify', 'stripped.mp4');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('spacetime: stripped.mp4 has no C2PA manifest: no C2PA manifest in it');

    // A GIF whose C2PA application extension is renamed: an extension no reader takes for C2PA.
    const gif = fs.readFileSync(at('v.gif'));
    const id = gif.indexOf('C2PA_GIF', 0, 'latin1');
    expect(id).toBeGreaterThan(13);
    gif.write('NOT_C2PA', id, 'latin1');
    fs.writeFileSync(at('stripped.gif'), gif);
    const g = spacetime('verify', 'stripped.gif');
    expect(g.code).toBe(1);
    expect(g.stderr).toBe('spacetime: stripped.gif has no C2PA manifest: no C2PA manifest in it');
  });

  it('the same inputs give byte-identical signed files (the server and eval write the same way)', () => {
    for (const ext of ['mp4', 'png', 'gif']) {
      expect(spacetime(...GENERATE, '--out', `again.${ext}`).code).toBe(0);
      expect(fs.readFileSync(at(`again.${ext}`)).equals(fs.readFileSync(at(`v.${ext}`)))).toBe(true);
    }
  }, 300_000);

  it('eval stores each generated video with its provenance, signed', async () => {
    const r = spacetime('eval', '--suite', 'all-id', '--limit', '1', '--checkpoint', 'runs/tiny', '--seeds', '1', '--steps', '2', '--skip-physics-iq', '--out', 'evals/tiny', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const [video] = fs.readdirSync(at('evals/tiny/videos'));
    const file = path.join('evals/tiny/videos', video);
    const tags = await readProvenanceTags(at(file));
    expect(tags).toMatchObject({ ai_generated: 'true', model: 'tiny/step-00000002', steps: '2', sampler: 'heun', given_frames: 'none' });
    const row = fs.readFileSync(at('evals/tiny/captions.csv'), 'utf8').split('\n').find((line) => line.startsWith(`videos/${video},`));
    expect(row).toContain(`,${tags.prompt},`); // the prompt this very video was generated from
    const ok = spacetime('verify', file);
    expect(ok.code, ok.stderr).toBe(0);
  }, 600_000);

  it('a missing key fails in one line naming it, before sampling, writing nothing', () => {
    const r = spacetime(...GENERATE, '--out', 'never.mp4', '--sign-key', 'missing.pem', '--sign-cert', 'missing-chain.pem');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('spacetime: cannot read signing key missing.pem (ENOENT)');
    expect(fs.readdirSync(tmp).filter((f) => f.includes('never'))).toEqual([]);
  });
});
