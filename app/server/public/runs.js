// The runs page: every run with its suite, source, sampling settings and headline scores;
// polls the list so runs written while the page is open show up.
import { api, el, fmt, nav, showError } from './common.js';

nav();
const box = document.getElementById('runs');
const compare = document.getElementById('compare');
const blind = document.getElementById('blind');
const chosen = new Set();
let shown = '';

function selected() {
  return [...chosen];
}

function update() {
  const n = chosen.size;
  compare.disabled = n < 2 || n > 4;
  blind.disabled = n !== 2;
}

compare.onclick = () => (location.href = `/compare?runs=${selected().map(encodeURIComponent).join(',')}&truth=1`);
blind.onclick = () => (location.href = `/blind?runs=${selected().map(encodeURIComponent).join(',')}`);

function render(data) {
  document.getElementById('root').textContent = data.root;
  const keys = [...new Set(data.runs.flatMap((r) => Object.keys(r.headline)))];
  const head = el('tr', {}, el('th'), el('th', {}, 'run'), el('th', {}, 'suite'), el('th', {}, 'source'), el('th', {}, 'settings'), el('th', {}, 'created'), keys.map((k) => el('th', { class: 'num' }, k)));
  const rows = data.runs.map((r) =>
    el(
      'tr',
      { dataset: { run: r.id } },
      el('td', {}, el('input', { type: 'checkbox', checked: chosen.has(r.id), disabled: Boolean(r.error), onchange: (e) => (e.target.checked ? chosen.add(r.id) : chosen.delete(r.id), update()) })),
      el('td', {}, r.error ? el('span', { class: 'error', title: r.error }, `${r.id} (unreadable)`) : el('a', { href: `/compare?runs=${encodeURIComponent(r.id)}&truth=1` }, r.name)),
      el('td', {}, r.suite ?? '–', r.split ? el('span', { class: 'muted' }, ` (${r.split})`) : null),
      el('td', {}, r.source ? `${r.source.kind}: ${r.source.path ?? ''}` : '–'),
      el('td', {}, r.source?.generate ? Object.entries(r.source.generate).map(([k, v]) => `${k} ${v}`).join(', ') : '–'),
      el('td', { class: 'muted' }, r.created ? r.created.slice(0, 16).replace('T', ' ') : '–'),
      keys.map((k) => el('td', { class: 'num' }, fmt(r.headline[k]))),
    ),
  );
  box.replaceChildren(data.runs.length ? el('table', { id: 'run-table' }, el('thead', {}, head), el('tbody', {}, rows)) : el('p', { class: 'muted' }, 'No runs yet: write one with spacetime eval --out into this folder.'));
}

async function refresh() {
  try {
    const data = await api('/api/runs');
    const key = JSON.stringify(data);
    if (key !== shown) {
      shown = key;
      render(data);
    }
  } catch (err) {
    showError(box, err);
  }
}

await refresh();
setInterval(refresh, 3000);
