import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeSample } from '../../datasets/world/sample.js';
import { contactSheet, psnr, readVideo } from '../../base/video/index.js';
import { contactSheetHtml, escapeHtml, pngHtml, sampleVideo, videoGridHtml, videoHtml } from './display.js';

/** The bytes of every `data:MIME;base64,…` URI in `html`, in order. */
function dataUris(html: string, mime: string): Buffer[] {
  const pattern = new RegExp(`data:${mime.replace('/', '\\/')};base64,([A-Za-z0-9+/=]+)`, 'g');
  return [...html.matchAll(pattern)].map((m) => Buffer.from(m[1], 'base64'));
}

const sample = makeSample({ family: 'bounce', split: 'id', seed: 7, index: 0 });
const clip = sampleVideo(sample);

describe('sampleVideo', () => {
  it('shares the frames and takes the shape from the meta', () => {
    expect(clip.frames).toBe(sample.frames);
    expect([clip.numFrames, clip.height, clip.width, clip.fps]).toEqual([16, 32, 32, 10]);
  });
});

describe('videoHtml', () => {
  it('embeds an MP4 that decodes back to the clip', async () => {
    const html = await videoHtml(clip, { caption: 'a <b>red</b> ball & "friends"', width: 160 });
    expect(html).toMatch(/<video autoplay loop muted playsinline width="160" height="160"/);
    expect(html).toContain('image-rendering: pixelated');
    expect(html).toContain('a &lt;b&gt;red&lt;/b&gt; ball &amp; &quot;friends&quot;');

    const [mp4] = dataUris(html, 'video/mp4');
    expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notebook-display-'));
    try {
      fs.writeFileSync(path.join(dir, 'clip.mp4'), mp4);
      const back = await readVideo(path.join(dir, 'clip.mp4'));
      expect([back.numFrames, back.height, back.width]).toEqual([16, 32, 32]);
      expect(psnr(back, clip)).toBeGreaterThan(35);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the aspect ratio in the on-page size', async () => {
    const wide = sampleVideo(makeSample({ family: 'uniform', split: 'id', seed: 1, index: 0, width: 48, height: 24 }));
    expect(await videoHtml(wide, { width: 192 })).toContain('width="192" height="96"');
  });
});

describe('videoGridHtml', () => {
  it('lays out one captioned video per item, in order', async () => {
    const other = sampleVideo(makeSample({ family: 'uniform', split: 'id', seed: 7, index: 0 }));
    const html = await videoGridHtml([
      { video: clip, caption: 'first' },
      { video: other, caption: 'second' },
    ]);
    expect(html.match(/<video /g)).toHaveLength(2);
    expect(dataUris(html, 'video/mp4')).toHaveLength(2);
    expect(html.indexOf('>first<')).toBeLessThan(html.indexOf('>second<'));
    expect(html).toMatch(/^<div style="display: flex; flex-wrap: wrap/);
  });
});

describe('pngHtml and contactSheetHtml', () => {
  it('embeds a PNG of the contact sheet with its pixels', () => {
    const html = contactSheetHtml(clip, { columns: 4, caption: 'sheet' });
    const [png] = dataUris(html, 'image/png');
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const sheet = contactSheet(clip, { columns: 4 });
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([sheet.width, sheet.height]);
    // One IDAT chunk (our encoder writes one) whose rows, minus the filter byte, are the sheet.
    const idatLength = view.getUint32(33);
    const raw = zlib.inflateSync(png.subarray(41, 41 + idatLength));
    const stride = sheet.width * 3;
    const row5 = raw.subarray(5 * (stride + 1) + 1, 6 * (stride + 1));
    expect(Buffer.from(row5).equals(Buffer.from(sheet.rgb.subarray(5 * stride, 6 * stride)))).toBe(true);
    expect(html).toContain(`width: ${sheet.width}px`);
    expect(html).toContain('>sheet</figcaption>');
  });

  it('defaults the width to the PNG width and escapes the alt text', () => {
    const html = contactSheetHtml(clip, { frames: [0], scale: 2 });
    expect(html).toContain('width: 64px');
    expect(pngHtml(dataUris(html, 'image/png')[0], { alt: '"x"', width: 10 })).toContain('alt="&quot;x&quot;"');
  });
});

describe('escapeHtml', () => {
  it('escapes the five special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
