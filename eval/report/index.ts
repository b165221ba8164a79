/**
 * Reading runs back and reporting on them: for `spacetime report`, notebooks and the server.
 *
 *   import { loadRun, reportHtml, worstVideos, galleryHtml } from './eval/report/index.js';
 */
export { isRunFolder, loadRun, loadTracks, sameSource, siblingRuns, type LoadedRun } from './load.js';
export { galleryHtml, reportHtml, trajectoryOverlay } from './html.js';
export { GALLERY_SIZE, reportMarkdown } from './markdown.js';
export { reportRuns, writeReport } from './report.js';
export { KEY_METRICS, errorBreakdown, formatValue, keepFramesText, presentMetrics, splitTables, splitTablesNote, worstVideos, type ErrorBreakdownRow, type SplitTable } from './summary.js';
