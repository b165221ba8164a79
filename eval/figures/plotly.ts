/**
 * Plotly figures as self-contained HTML snippets, for notebooks (`tslab.display.html`)
 * and HTML reports. No CDN and no require.js: the library (plotly.js-dist-min, about
 * 4.8 MB) is inlined into the first snippet of a page, and every snippet draws once
 * `window.Plotly` exists.
 *
 *   tslab.display.html(plotlyHtml([{ x: [0, 1, 2], y: [0, 1, 4], type: 'scatter' }], { title: { text: 'y = x²' } }));
 *
 * A report that builds one HTML page uses its own `PlotlyPage`, so the library is
 * inlined once into that page whatever the notebook did before:
 *
 *   const page = new PlotlyPage();
 *   const body = figures.map((f) => page.html(f.data, f.layout)).join('\n');
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../../base/errors.js';

/** One plotly trace (`{ type: 'scatter', x, y, … }`), as plotly.js takes it. */
export type PlotlyTrace = Record<string, unknown>;
/** A plotly layout (`{ title, xaxis, … }`). */
export type PlotlyLayout = Record<string, unknown>;
/** A plotly config (`{ responsive, displaylogo, … }`). */
export type PlotlyConfig = Record<string, unknown>;

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}

export const PLOTLY_PACKAGE = 'plotly.js-dist-min';
/** Height of a plot whose layout does not give one, in CSS pixels. */
export const DEFAULT_PLOT_HEIGHT = 420;
/** How long a snippet waits for the library before saying it is missing. */
const LIBRARY_WAIT_MS = 10_000;
const DEFAULT_CONFIG: PlotlyConfig = { responsive: true, displaylogo: false };

let librarySource: string | undefined;

/**
 * Path of `plotly.min.js`. Resolved with `createRequire` from the working directory
 * first (a notebook kernel runs in `notebooks/`, scripts and tests in the repository),
 * then from the main script and this module's folder when it is compiled to CommonJS:
 * `import.meta` is off limits because tslab compiles library code to CommonJS.
 */
export function plotlyLibraryPath(): string {
  const bases = [path.join(process.cwd(), 'index.js')];
  if (process.argv[1]) bases.push(path.resolve(process.argv[1]));
  if (typeof __dirname === 'string') bases.push(path.join(__dirname, 'index.js'));
  for (const base of bases) {
    try {
      return createRequire(base).resolve(`${PLOTLY_PACKAGE}/plotly.min.js`);
    } catch {
      // not reachable from this base; try the next
    }
  }
  throw new UserError(`cannot find ${PLOTLY_PACKAGE} from ${process.cwd()}: run \`npm install\` in the repository`);
}

/** The library's source, read once per process, safe to put inside `<script>…</script>`. */
export function plotlyLibrarySource(): string {
  librarySource ??= scriptSafe(fs.readFileSync(plotlyLibraryPath(), 'utf8'));
  return librarySource;
}

/**
 * One HTML page (a notebook's output area or a report) that plots are added to:
 * the first snippet it makes carries the library, later ones only their figure.
 */
export class PlotlyPage {
  private libraryIncluded = false;

  /**
   * A `<div>` and the script that draws `data` with `layout` into it (a fresh random id,
   * so outputs left from an earlier run on the same page never collide).
   */
  html(data: readonly PlotlyTrace[], layout: PlotlyLayout = {}, config: PlotlyConfig = {}): string {
    const library = this.libraryIncluded ? '' : `<script>${plotlyLibrarySource()}</script>\n`;
    this.libraryIncluded = true;
    const id = `plotly-${crypto.randomBytes(6).toString('hex')}`;
    const height = typeof layout.height === 'number' ? layout.height : DEFAULT_PLOT_HEIGHT;
    const width = typeof layout.width === 'number' ? `max-width: ${layout.width}px; ` : '';
    const figure = scriptSafeJson({ data, layout, config: { ...DEFAULT_CONFIG, ...config } });
    const missing = 'plotly.js is not loaded on this page: run the notebook again from the top (its first plot carries the library)';
    return (
      library +
      `<div id="${id}" style="${width}width: 100%; height: ${height}px"></div>\n` +
      `<script>(function () {\n` +
      `  var figure = ${figure};\n` +
      `  var draw = function () { window.Plotly.newPlot(${JSON.stringify(id)}, figure.data, figure.layout, figure.config); };\n` +
      `  if (window.Plotly) { draw(); return; }\n` +
      `  var waited = 0;\n` +
      `  var timer = setInterval(function () {\n` +
      `    if (window.Plotly) { clearInterval(timer); draw(); }\n` +
      `    else if ((waited += 100) >= ${LIBRARY_WAIT_MS}) { clearInterval(timer); document.getElementById(${JSON.stringify(id)}).textContent = ${JSON.stringify(missing)}; }\n` +
      `  }, 100);\n` +
      `})();</script>`
    );
  }
}

/** The page of this process: a notebook kernel session. */
const notebookPage = new PlotlyPage();

/**
 * A figure for the notebook the kernel is running: the first call of a kernel session
 * inlines the library, later calls do not (so an executed notebook holds it once).
 *
 *   tslab.display.html(plotlyHtml(traces, { height: 300 }));
 */
export function plotlyHtml(data: readonly PlotlyTrace[], layout: PlotlyLayout = {}, config: PlotlyConfig = {}): string {
  return notebookPage.html(data, layout, config);
}

/**
 * The library's source with `</script` written `<\/script` (it can only occur inside a
 * string, regex or comment, where both read the same), so it cannot end the element early.
 */
function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** JSON that is also safe inside `<script>`: every `<` as `\u003c` (trace names are user text). */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
