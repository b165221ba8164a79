/**
 * Ground-truth trajectories as plotly traces: each moving object's path, x against y in
 * world units (y up), one point per frame, drawn in the object's own colour on the
 * world's background colour, so a plot reads like the video it came from.
 *
 *   const { data, layout } = trajectoryFigure([ds.meta(0), ds.meta(1)]);
 *   tslab.display.html(plotlyHtml(data, layout));
 */
import { BACKGROUND, type Rgb } from '../../datasets/world/palette.js';
import type { ObjectSpec, SampleMeta } from '../../datasets/world/spec.js';
import type { PlotlyFigure, PlotlyLayout, PlotlyTrace } from './plotly.js';

/** Colour of an object without a spec (an imported video's tracks). */
const UNKNOWN_OBJECT_RGB: Rgb = [200, 200, 200];
/** Side of one subplot of `trajectoryFigure`, in CSS pixels. */
const DEFAULT_CELL_PIXELS = 260;

/** `cssRgb([40, 80, 245]) // 'rgb(40,80,245)'` */
export function cssRgb(rgb: Rgb): string {
  return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
}

export interface TrajectoryTraceOptions {
  /** Plotly axis ids of the subplot to draw in (`'x2'`, `'y2'`); default the first. */
  xaxis?: string;
  yaxis?: string;
  /** Prefix of each trace's legend name, e.g. the sample name. */
  namePrefix?: string;
  showlegend?: boolean;
}

/**
 * One `scatter` trace per moving object of `meta`, x and y in world units with one point
 * per frame (`x[t] = tracks[k][t].x`); the frame index rides along as `text` for hovering.
 * Static objects (the occluder bar) have no trajectory: `staticShapes` draws them.
 *
 *   trajectoryTraces(meta)[0].x  // [x at frame 0, x at frame 1, …]
 */
export function trajectoryTraces(meta: SampleMeta, opts: TrajectoryTraceOptions = {}): PlotlyTrace[] {
  const traces: PlotlyTrace[] = [];
  meta.tracks.forEach((track, k) => {
    const object = meta.spec?.objects[k];
    if (object?.static) return;
    const colour = cssRgb(object?.rgb ?? UNKNOWN_OBJECT_RGB);
    const label = object ? `${object.color} ${object.shape}` : `object ${k}`;
    traces.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: opts.namePrefix ? `${opts.namePrefix}: ${label}` : label,
      x: track.map((p) => p.x),
      y: track.map((p) => p.y),
      text: track.map((p) => String(p.t)),
      hovertemplate: 'frame %{text}<br>x %{x:.2f}, y %{y:.2f}<extra>%{fullData.name}</extra>',
      line: { color: colour, width: 2 },
      marker: { color: colour, size: 5 },
      xaxis: opts.xaxis ?? 'x',
      yaxis: opts.yaxis ?? 'y',
      showlegend: opts.showlegend ?? true,
    });
  });
  return traces;
}

/** Plotly layout shapes (filled rectangles) for the static objects of `meta`. */
export function staticShapes(meta: SampleMeta, axes: { xaxis?: string; yaxis?: string } = {}): PlotlyLayout[] {
  const objects: readonly ObjectSpec[] = meta.spec?.objects ?? [];
  return objects
    .filter((o) => o.static)
    .map((o) => ({
      type: 'rect',
      xref: axes.xaxis ?? 'x',
      yref: axes.yaxis ?? 'y',
      x0: o.initial.x - o.halfWidth,
      x1: o.initial.x + o.halfWidth,
      y0: o.initial.y - o.halfHeight,
      y1: o.initial.y + o.halfHeight,
      fillcolor: cssRgb(o.rgb),
      line: { width: 0 },
      layer: 'below',
    }));
}

export interface TrajectoryFigureOptions {
  /** Subplots per row; default up to 4. */
  columns?: number;
  /** Side of one subplot in CSS pixels; default 260. */
  cellPixels?: number;
  /** Subplot titles; default each sample's family (or name, for imported videos). */
  titles?: string[];
}

/**
 * A grid of subplots, one per sample, each showing the whole world (axes fixed to the
 * world's size, equal scale on x and y) with its trajectories and static objects.
 *
 *   const fig = trajectoryFigure(metas, { columns: 4 });
 *   tslab.display.html(plotlyHtml(fig.data, fig.layout));
 */
export function trajectoryFigure(metas: readonly SampleMeta[], opts: TrajectoryFigureOptions = {}): PlotlyFigure {
  if (metas.length === 0) throw new RangeError('trajectoryFigure needs at least one sample');
  const columns = opts.columns ?? Math.min(metas.length, 4);
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`columns must be a positive integer, got ${columns}`);
  const cell = opts.cellPixels ?? DEFAULT_CELL_PIXELS;
  const rows = Math.ceil(metas.length / columns);
  const background = cssRgb(BACKGROUND);
  const data: PlotlyTrace[] = [];
  const shapes: PlotlyLayout[] = [];
  const annotations: PlotlyLayout[] = [];
  const layout: PlotlyLayout = {
    grid: { rows, columns, pattern: 'independent', xgap: 0.12, ygap: 0.18 },
    width: columns * cell,
    height: rows * cell + 40,
    margin: { l: 30, r: 10, t: 40, b: 30 },
    showlegend: false,
    plot_bgcolor: background,
  };
  metas.forEach((meta, i) => {
    const suffix = i === 0 ? '' : String(i + 1);
    const [xaxis, yaxis] = [`x${suffix}`, `y${suffix}`];
    data.push(...trajectoryTraces(meta, { xaxis, yaxis, namePrefix: meta.name }));
    shapes.push(...staticShapes(meta, { xaxis, yaxis }));
    // The whole world, x and y to the same scale; the subplot shrinks (constrain: domain)
    // rather than plotly widening a range. Without constants (an imported video) plotly ranges.
    const world = meta.constants;
    const axis = { showgrid: false, zeroline: false, constrain: 'domain' };
    layout[`xaxis${suffix}`] = world ? { ...axis, range: [0, world.worldWidth] } : axis;
    layout[`yaxis${suffix}`] = { ...(world ? { ...axis, range: [0, world.worldHeight] } : axis), scaleanchor: xaxis };
    annotations.push({
      text: opts.titles?.[i] ?? meta.spec?.family ?? meta.name,
      xref: `${xaxis} domain`,
      yref: `${yaxis} domain`,
      x: 0.5,
      y: 1.0,
      yanchor: 'bottom',
      showarrow: false,
    });
  });
  layout.shapes = shapes;
  layout.annotations = annotations;
  return { data, layout };
}
