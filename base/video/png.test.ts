import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readVideo } from './decode.js';
import { contactSheet, crc32, encodePng, SHEET_GREY, writeContactSheet, writePng } from './png.js';
import { movingDiscs } from './test-fixtures.js';
import { frameView, makeVideo } from './video.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-png-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Split a PNG into chunks, checking each CRC; a minimal independent reader. */
function readChunks(png: Uint8Array): { type: string; data: Buffer }[] {
  const buf = Buffer.from(png);
  expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks = [];
  let pos = 8;
  while (pos < buf.length) {
    const length = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + length);
    expect(buf.readUInt32BE(pos + 8 + length)).toBe(zlib.crc32(buf.subarray(pos + 4, pos + 8 + length)));
    chunks.push({ type, data });
    pos += 12 + length;
  }
  expect(pos).toBe(buf.length);
  return chunks;
}

/** A 7×5 image with every pixel different, so any row/column mix-up shows. */
function gradient(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      rgb[o] = x * 30;
      rgb[o + 1] = y * 50;
      rgb[o + 2] = (x * 7 + y * 13) % 256;
    }
  }
  return rgb;
}

describe('crc32', () => {
  it('matches the standard check value and zlib', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const bytes = gradient(9, 4);
    expect(crc32(bytes)).toBe(zlib.crc32(bytes));
  });
});

describe('encodePng', () => {
  it('writes signature, IHDR, IDAT, IEND with valid CRCs and exact pixels', () => {
    const [w, h] = [7, 5];
    const rgb = gradient(w, h);
    const chunks = readChunks(encodePng(rgb, w, h));
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = chunks[0].data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ...ihdr.subarray(8)]).toEqual([7, 5, 8, 2, 0, 0, 0]);
    const raw = zlib.inflateSync(chunks[1].data);
    expect(raw.length).toBe(h * (1 + w * 3));
    for (let y = 0; y < h; y++) {
      const row = raw.subarray(y * (1 + w * 3), (y + 1) * (1 + w * 3));
      expect(row[0]).toBe(0); // filter: none
      expect(Buffer.from(row.subarray(1)).equals(Buffer.from(rgb.subarray(y * w * 3, (y + 1) * w * 3)))).toBe(true);
    }
  });

  it('decodes back exactly through ffmpeg', async () => {
    const [w, h] = [7, 5];
    const rgb = gradient(w, h);
    const file = path.join(dir, 'gradient.png');
    writePng(file, rgb, w, h);
    const back = await readVideo(file);
    expect([back.numFrames, back.height, back.width]).toEqual([1, 5, 7]);
    expect(Buffer.from(back.frames).equals(Buffer.from(rgb))).toBe(true);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => encodePng(new Uint8Array(10), 2, 2)).toThrow(/expected 12/);
  });
});

describe('contactSheet', () => {
  it('has grid dimensions from columns, default 3× zoom for 32 px frames, and a 2 px gap', () => {
    const clip = movingDiscs(); // 16 frames, 32×32
    const sheet = contactSheet(clip, { columns: 5 }); // 4 rows, last row has 1 frame
    expect(sheet.width).toBe(5 * 96 + 4 * 2);
    expect(sheet.height).toBe(4 * 96 + 3 * 2);
    expect(sheet.rgb.length).toBe(sheet.width * sheet.height * 3);
    const defaults = contactSheet(clip);
    expect([defaults.width, defaults.height]).toEqual([8 * 96 + 7 * 2, 2 * 96 + 2]);
  });

  it('puts pixel (y, x) of the k-th listed frame at the documented place', () => {
    const v = makeVideo(6, 4, 5, 10);
    // A unique marker colour in frame 4 at (y=3, x=2).
    frameView(v, 4).set([11, 222, 33], (3 * 5 + 2) * 3);
    const [scale, gap, columns] = [2, 3, 2];
    const sheet = contactSheet(v, { frames: [0, 1, 4], columns, scale, gap }); // frame 4 is k = 2
    const [row, col] = [1, 0];
    const top = row * (4 * scale + gap) + 3 * scale;
    const left = col * (5 * scale + gap) + 2 * scale;
    const at = (y: number, x: number) => [...sheet.rgb.subarray((y * sheet.width + x) * 3, (y * sheet.width + x) * 3 + 3)];
    // The marker fills a scale×scale block and nothing else.
    for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) expect(at(top + dy, left + dx)).toEqual([11, 222, 33]);
    expect(at(top - 1, left)).toEqual([0, 0, 0]);
    expect(at(top, left + 2)).toEqual([0, 0, 0]);
    // Gap column between the two cells of row 0, and the empty 4th cell, are grey.
    expect(at(0, 5 * scale)).toEqual([SHEET_GREY, SHEET_GREY, SHEET_GREY]);
    expect(at(sheet.height - 1, sheet.width - 1)).toEqual([SHEET_GREY, SHEET_GREY, SHEET_GREY]);
  });

  it('writes a PNG that decodes to the same sheet', async () => {
    const clip = movingDiscs({ numFrames: 3 });
    const file = path.join(dir, 'sheet.png');
    writeContactSheet(clip, file, { gap: 1 });
    const sheet = contactSheet(clip, { gap: 1 });
    const back = await readVideo(file);
    expect([back.height, back.width]).toEqual([96, 3 * 96 + 2]);
    expect(Buffer.from(back.frames).equals(Buffer.from(sheet.rgb))).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
