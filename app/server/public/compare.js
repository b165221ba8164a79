// Side by side: 2–4 runs (and the truth) on the same prompt and seed, with synchronised
// playback, each video's metrics and violated rules, and trajectories over the true ones.
// Everything the view shows is in the URL (?runs=a,b&truth=1&category=&sort=&by=&order=&violation=&video=).
import { api, el, fmt, letterbox, nav, showError } from './common.js';
import { SyncPlayer } from './player.js';

nav();
const FIELDS = ['runs', 'category', 'violation', 'sort', 'by', 'order'];
const params = new URLSearchParams(location.search);
const controls = Object.fromEntries(FIELDS.map((f) => [f, document.getElementById(f)]));
const truthBox = document.getElementById('truth');
const list = document.getElementById('videos');
const detail = document.getElementById('detail');
const DASHES = ['dash', 'dot', 'dashdot', 'longdash'];
const DEFAULT_FPS = 10;
let view = null;
let selected = params.get('video');

for (const f of FIELDS) if (params.get(f)) ensureOption(controls[f], params.get(f));
truthBox.checked = params.get('truth') !== '0';

function ensureOption(select, value) {
  if (select.tagName !== 'SELECT') return void (select.value = value);
  if (![...select.options].some((o) => o.value === value)) select.append(el('option', { value }, value));
  select.value = value;
}

/** Write the view into the URL (replaceState: the back button leaves the page, not each click). */
function saveUrl() {
  const p = new URLSearchParams();
  for (const f of FIELDS) if (controls[f].value && !(f === 'sort' && controls[f].value === 'id')) p.set(f, controls[f].value);
  p.set('truth', truthBox.checked ? '1' : '0');
  if (selected) p.set('video', selected);
  history.replaceState(null, '', `/compare?${p.toString().replace(/%2C/g, ',')}`);
}

function fill(select, values, keepFirst) {
  const current = select.value;
  select.replaceChildren(...[...select.options].slice(0, keepFirst), ...values.map((v) => el('option', { value: v }, v)));
  select.value = values.includes(current) ? current : select.options[0].value;
}

async function load() {
  saveUrl();
  const runs = controls.runs.value.trim();
  if (!runs) return void (list.replaceChildren(), (document.getElementById('count').textContent = 'Name 2–4 runs (comma-separated), or pick them on the Runs page.'));
  const q = new URLSearchParams({ runs, limit: '1000' });
  for (const f of ['category', 'violation', 'sort', 'by', 'order']) if (controls[f].value) q.set(f, controls[f].value);
  try {
    view = await api(`/api/compare?${q}`);
  } catch (err) {
    return showError(detail, err);
  }
  fill(controls.category, view.categories, 1);
  fill(controls.violation, view.violations, 1);
  fill(controls.sort, view.metrics, 1);
  document.getElementById('count').textContent = `${view.total} videos`;
  const metric = controls.sort.value !== 'id' ? controls.sort.value : null;
  const head = el('tr', {}, el('th', {}, 'video'), el('th', {}, 'category'), metric ? view.runs.map((r) => el('th', { class: 'num' }, r.name)) : null, metric && view.runs.length > 1 ? el('th', { class: 'num' }, 'Δ') : null);
  const rows = view.rows.map((r) =>
    el(
      'tr',
      { class: r.id === selected ? 'selected' : null, dataset: { id: r.id }, onclick: () => select(r.id) },
      el('td', {}, r.id, r.cells.some((c) => c?.violations.length) ? el('span', { class: 'violations' }, ' ●') : null),
      el('td', { class: 'muted' }, r.category),
      metric ? r.cells.map((c) => el('td', { class: 'num' }, fmt(c?.metrics[metric]))) : null,
      metric && view.runs.length > 1 ? el('td', { class: 'num' }, fmt(diff(r.cells, metric))) : null,
    ),
  );
  list.replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
  if (!selected || !view.rows.some((r) => r.id === selected)) selected = view.rows[0]?.id ?? null;
  if (selected) await select(selected);
}

function diff(cells, metric) {
  const a = cells[0]?.metrics[metric];
  const b = cells[cells.length - 1]?.metrics[metric];
  return a === null || b === null || a === undefined || b === undefined ? null : b - a;
}

async function select(id) {
  selected = id;
  saveUrl();
  for (const tr of list.querySelectorAll('tr[data-id]')) tr.classList.toggle('selected', tr.dataset.id === id);
  let data;
  try {
    data = await api(`/api/videos/${encodeURIComponent(id)}?runs=${encodeURIComponent(controls.runs.value.trim()).replace(/%2C/g, ',')}`);
  } catch (err) {
    return showError(detail, err);
  }
  const names = Object.fromEntries(view.runs.map((r) => [r.id, r.name]));
  const tiles = [];
  const videos = [];
  const addTile = (title, src, body, id) => {
    const video = src ? el('video', { src, 'data-run': id }) : null;
    if (video) videos.push(video);
    tiles.push(el('div', { class: 'tile' }, el('h3', {}, title), video ? el('div', { class: 'clipbox' }, video) : el('p', { class: 'muted' }, 'no video'), body));
  };
  if (truthBox.checked && data.truth) addTile('ground truth', data.truth.video, el('p', { class: 'muted' }, 'the simulation'), 'truth');
  for (const c of data.cells) addTile(names[c.run] ?? c.run, c.video, c.row ? metricsTable(c.row) : el('p', { class: 'muted' }, 'not in this run'), c.run);
  const frames = frameCount(data) ?? 16;
  const player = new SyncPlayer(videos, { frames, fps: DEFAULT_FPS });
  const grid = el('div', { class: 'grid' }, tiles);
  letterbox(grid, videos);
  detail.replaceChildren(el('h3', {}, data.caption), el('p', { class: 'muted' }, `${data.id} · ${data.category} · seed ${data.seed}`), player.controls, grid, el('div', { id: 'plot' }));
  plotTracks(data, names).catch((err) => showError(document.getElementById('plot') ?? detail, err));
}

function metricsTable(row) {
  return el(
    'div',
    {},
    row.violations.length ? el('p', { class: 'violations' }, `violates: ${row.violations.join(', ')}`) : el('p', { class: 'ok' }, 'no rule violated'),
    el('table', { class: 'metrics' }, Object.entries(row.metrics).map(([k, v]) => el('tr', {}, el('td', { class: 'muted' }, k), el('td', { class: 'num' }, fmt(v))))),
  );
}

function frameCount(data) {
  const tracks = [data.truth?.tracks, ...data.cells.map((c) => c.tracks)].find((t) => Array.isArray(t) && t.length);
  if (!tracks) return null;
  return Math.max(...tracks.flatMap((t) => t.points.map((p) => p.frame))) + 1;
}

let plotly = null;

/** plotly.js (4.8 MB) is loaded when the first plot is drawn, so the videos come first. */
function loadPlotly() {
  plotly ??= new Promise((resolve, reject) => {
    document.head.append(el('script', { src: '/vendor/plotly.min.js', onload: () => resolve(window.Plotly), onerror: () => reject(new Error('plotly.js did not load')) }));
  });
  return plotly;
}

/** x–y paths in world units: the truth solid, each run dashed, in the object's colour. */
async function plotTracks(data, names) {
  const traces = [];
  const path = (track, name, dash, width) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name,
    x: track.points.map((p) => p.x),
    y: track.points.map((p) => p.y),
    line: { color: cssColor(track.color), dash, width },
    marker: { size: 4 },
  });
  for (const t of data.truth?.tracks ?? []) traces.push(path(t, `truth · ${t.color}`, 'solid', 3));
  data.cells.forEach((c, k) => {
    for (const t of c.tracks ?? []) traces.push(path(t, `${names[c.run] ?? c.run} · ${t.color}`, DASHES[k % DASHES.length], 1.5));
  });
  const div = document.getElementById('plot');
  if (!traces.length) return void div.replaceChildren(el('p', { class: 'muted' }, 'no trajectories'));
  const Plotly = await loadPlotly();
  if (!div.isConnected) return; // another video was chosen meanwhile
  Plotly.react(div, traces, {
    title: { text: 'trajectories (world units): truth solid, runs dashed' },
    paper_bgcolor: '#1d2029',
    plot_bgcolor: '#14161c',
    font: { color: '#e4e6eb' },
    xaxis: { title: { text: 'x' }, gridcolor: '#2d313d' },
    yaxis: { title: { text: 'y' }, gridcolor: '#2d313d', scaleanchor: 'x' },
    margin: { t: 40, r: 10 },
  }, { displaylogo: false, responsive: true });
}

function cssColor(name) {
  return /^cluster-/.test(name) ? '#bbbbbb' : name === 'gray' ? '#78787f' : name;
}

for (const f of FIELDS) controls[f].addEventListener('change', () => void load());
truthBox.addEventListener('change', () => (selected ? void select(selected) : undefined, saveUrl()));
await load();
