/**
 * What notebooks import to show things: inline videos and stills, plotly figures,
 * ground-truth trajectories and table rows. Notebooks define nothing reusable; it lives here.
 *
 *   import { videoGridHtml, plotlyHtml, trajectoryFigure, sampleSummary } from './src/notebook/index.js';
 */
export {
  DEFAULT_DISPLAY_WIDTH,
  contactSheetHtml,
  dataUri,
  escapeHtml,
  pngHtml,
  sampleVideo,
  videoGridHtml,
  videoHtml,
  type PngHtmlOptions,
  type VideoGridItem,
  type VideoHtmlOptions,
} from './display.js';
export {
  PlotlyPage,
  plotlyHtml,
  plotlyLibraryPath,
  plotlyLibrarySource,
  type PlotlyConfig,
  type PlotlyFigure,
  type PlotlyLayout,
  type PlotlyTrace,
} from './plotly.js';
export { sampleSummary, type SampleSummary } from './summary.js';
export { cssRgb, staticShapes, trajectoryFigure, trajectoryTraces, type TrajectoryFigureOptions, type TrajectoryTraceOptions } from './trajectories.js';
