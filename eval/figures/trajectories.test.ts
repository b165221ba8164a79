import { describe, expect, it } from 'vitest';
import { makeSample } from '../../datasets/world/sample.js';
import { cssRgb, staticShapes, trajectoryFigure, trajectoryTraces } from './trajectories.js';

const collision = makeSample({ family: 'collision', split: 'id', seed: 3, index: 0 }).meta;
const occlusion = makeSample({ family: 'occlusion', split: 'id', seed: 3, index: 0 }).meta;

describe('trajectoryTraces', () => {
  it('gives one trace per object with one point per frame, in world units', () => {
    const traces = trajectoryTraces(collision);
    expect(traces).toHaveLength(2);
    traces.forEach((trace, k) => {
      const track = collision.tracks[k];
      expect(trace.x).toHaveLength(collision.numFrames);
      expect(trace.x).toEqual(track.map((p) => p.x));
      expect(trace.y).toEqual(track.map((p) => p.y));
      expect(trace.text).toEqual(track.map((p) => String(p.t)));
      const object = collision.spec.objects[k];
      expect(trace.name).toBe(`${object.color} ${object.shape}`);
      expect(trace.line).toEqual({ color: cssRgb(object.rgb), width: 2 });
    });
  });

  it('leaves out static objects and draws them as shapes instead', () => {
    const bar = occlusion.spec.objects.find((o) => o.static)!;
    const moving = occlusion.spec.objects.filter((o) => !o.static);
    expect(trajectoryTraces(occlusion)).toHaveLength(moving.length);
    expect(staticShapes(occlusion)).toEqual([
      expect.objectContaining({
        type: 'rect',
        x0: bar.initial.x - bar.halfWidth,
        x1: bar.initial.x + bar.halfWidth,
        y0: bar.initial.y - bar.halfHeight,
        y1: bar.initial.y + bar.halfHeight,
        fillcolor: cssRgb(bar.rgb),
      }),
    ]);
    expect(staticShapes(collision)).toEqual([]);
  });

  it('falls back to grey, numbered objects when there is no spec', () => {
    const imported = { ...collision, spec: null };
    expect(trajectoryTraces(imported).map((t) => t.name)).toEqual(['object 0', 'object 1']);
  });
});

describe('trajectoryFigure', () => {
  it('puts each sample in its own subplot fixed to the world', () => {
    const { data, layout } = trajectoryFigure([collision, occlusion, collision], { columns: 2 });
    expect(layout.grid).toMatchObject({ rows: 2, columns: 2 });
    expect(data.map((t) => t.xaxis)).toEqual(['x', 'x', 'x2', 'x3', 'x3']);
    expect(data.map((t) => t.yaxis)).toEqual(['y', 'y', 'y2', 'y3', 'y3']);
    expect(layout.xaxis2).toMatchObject({ range: [0, occlusion.constants.worldWidth] });
    expect(layout.yaxis2).toMatchObject({ range: [0, 10], scaleanchor: 'x2' });
    expect((layout.shapes as { xref: string }[]).map((s) => s.xref)).toEqual(['x2']);
    expect((layout.annotations as { text: string }[]).map((a) => a.text)).toEqual(['collision', 'occlusion', 'collision']);
  });

  it('rejects an empty list', () => {
    expect(() => trajectoryFigure([])).toThrow(RangeError);
  });
});
