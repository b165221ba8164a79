import { describe, expect, it } from 'vitest';
import { formatPixelTag, padForScale, parsePixelTag, unscale } from './pixel-scale.js';
import { makeVideo } from './video.js';

describe('pixel tag', () => {
  it('round-trips through the text ffmpeg prints for metadata', () => {
    const tag = { scale: 2, width: 33, height: 31 };
    const log = `Input #0, mov:\n  Metadata:\n    major_brand     : isom\n    comment         : ${formatPixelTag(tag)}\n`;
    expect(parsePixelTag(log)).toEqual(tag);
    expect(parsePixelTag('    comment         : made with love\n')).toBeUndefined();
  });
});

describe('padForScale / unscale', () => {
  it('pads odd sides by repeating the edge only when scale × side is odd', () => {
    const v = makeVideo(1, 1, 3, 10); // one row: pixels (1,1,1) (2,2,2) (3,3,3)
    v.frames.set([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    expect(padForScale(v, 2)).toBe(v);
    const padded = padForScale(v, 1);
    expect([padded.height, padded.width]).toEqual([2, 4]);
    expect([...padded.frames]).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3]);
    expect([...unscale(padded, { scale: 1, width: 3, height: 1 }).frames]).toEqual([...v.frames]);
  });

  it('averages scale×scale blocks and crops', () => {
    const big = makeVideo(1, 2, 4, 10); // 2×2 blocks of 0/10/20/30 and 100/100/100/101
    big.frames.set([0, 0, 0, 10, 10, 10, 100, 100, 100, 100, 100, 100, 20, 20, 20, 30, 30, 30, 100, 100, 100, 101, 101, 101]);
    const small = unscale(big, { scale: 2, width: 2, height: 1 });
    expect([small.height, small.width]).toEqual([1, 2]);
    expect([...small.frames]).toEqual([15, 15, 15, 100, 100, 100]); // 100.25 rounds to 100
    expect(() => unscale(big, { scale: 2, width: 3, height: 1 })).toThrow(/does not fit/);
  });
});
