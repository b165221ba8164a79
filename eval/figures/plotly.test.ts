import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PlotlyPage, plotlyLibraryPath, plotlyLibrarySource } from './plotly.js';

/** Header comment plotly.min.js starts with, to count how often the library is inlined. */
const LIBRARY_MARKER = /\* plotly\.js v\d+\.\d+\.\d+/g;

/** The figure object a snippet hands to Plotly.newPlot. */
function figureOf(html: string): { data: unknown[]; layout: Record<string, unknown>; config: Record<string, unknown> } {
  const m = /var figure = (.*);\n/.exec(html);
  if (!m) throw new Error('no figure in snippet');
  return JSON.parse(m[1]);
}

const traces = [{ type: 'scatter', x: [0, 1, 2], y: [3, 1, 4], name: 'ball' }];

describe('plotly library', () => {
  it('resolves plotly.min.js from node_modules', () => {
    const file = plotlyLibraryPath();
    expect(file).toMatch(/node_modules\/plotly\.js-dist-min\/plotly\.min\.js$/);
    expect(plotlyLibrarySource().length).toBeGreaterThan(1_000_000);
    expect(plotlyLibrarySource()).toContain('window.Plotly = Plotly');
    expect(fs.readFileSync(file, 'utf8').match(LIBRARY_MARKER)).toHaveLength(1);
  });
});

describe('PlotlyPage', () => {
  it('inlines the library in the first snippet only', () => {
    const page = new PlotlyPage();
    const first = page.html(traces, { height: 300 });
    const second = page.html(traces);
    expect(first.match(LIBRARY_MARKER)).toHaveLength(1);
    expect(second.match(LIBRARY_MARKER)).toBeNull();
    expect(second.length).toBeLessThan(2_000);
    // a new page (another report) gets its own copy
    expect(new PlotlyPage().html(traces).match(LIBRARY_MARKER)).toHaveLength(1);
  });

  it('hands the traces, layout and config to Plotly.newPlot in a div of its own', () => {
    const page = new PlotlyPage();
    page.html(traces);
    const html = page.html(traces, { height: 300, title: { text: 't' } }, { staticPlot: true });
    expect(figureOf(html)).toEqual({
      data: traces,
      layout: { height: 300, title: { text: 't' } },
      config: { responsive: true, displaylogo: false, staticPlot: true },
    });
    const id = /<div id="(plotly-[0-9a-f]{12})" style="width: 100%; height: 300px">/.exec(html)?.[1];
    expect(id).toBeDefined();
    expect(html).toContain(`window.Plotly.newPlot("${id}", figure.data`);
    expect(page.html(traces)).not.toContain(id);
  });

  it('cannot be broken out of by text in the figure', () => {
    const page = new PlotlyPage();
    page.html(traces);
    const name = '</script><script>alert(1)</script>';
    const html = page.html([{ ...traces[0], name }]);
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect((figureOf(html).data[0] as { name: string }).name).toBe(name);
  });

  it('keeps the inlined library inside its script element', () => {
    const html = new PlotlyPage().html(traces);
    // two script elements: the library and the figure
    expect(html.match(/<script>/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html.indexOf('</script>')).toBeGreaterThan(html.indexOf('window.Plotly = Plotly'));
  });
});
