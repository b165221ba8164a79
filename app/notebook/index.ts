/**
 * What notebooks import to show things: inline videos and stills, plotly figures,
 * ground-truth trajectories, table rows, loss curves, the prompting modes with their given
 * frames marked, and a short training run to show them on. Notebooks define nothing
 * reusable; it lives here.
 *
 *   import { videoGridHtml, plotlyHtml, trajectoryFigure, sampleSummary } from './app/notebook/index.js';
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
} from '../../eval/figures/display.js';
export {
  PlotlyPage,
  plotlyHtml,
  plotlyLibraryPath,
  plotlyLibrarySource,
  type PlotlyConfig,
  type PlotlyFigure,
  type PlotlyLayout,
  type PlotlyTrace,
} from '../../eval/figures/plotly.js';
export { evaluationFigure, lossFigure, movingAverage, readEvaluations, readMetrics, type LossFigureOptions } from '../../eval/figures/loss-curve.js';
export { GIVEN_FRAME_COLOUR, markGivenFrames, type MarkGivenFramesOptions } from '../../eval/figures/given-frames.js';
export { GALLERY_EDIT_STRENGTH, promptingGallery, type GalleryItem } from './prompting-gallery.js';
export { QUICK_RUN_DEFAULTS, quickRun, type QuickRun, type QuickRunOptions } from './quick-run.js';
export { sampleSummary, type SampleSummary } from './summary.js';
export { cssRgb, staticShapes, trajectoryFigure, trajectoryTraces, type TrajectoryFigureOptions, type TrajectoryTraceOptions } from '../../eval/figures/trajectories.js';
