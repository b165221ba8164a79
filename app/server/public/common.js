// Shared helpers for the pages: JSON fetching with the API's error messages, a tiny
// element builder, the navigation bar, number formatting, clips side by side at one scale.

/** GET or POST JSON; throws an Error carrying the API's `error` message. */
export async function api(url, body) {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const res = await fetch(url, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? `${res.status} ${res.statusText}`);
  return data;
}

/** el('td', { class: 'num' }, '1.23') — attributes starting with "on" are listeners. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

/** A metric value for a table: 3 significant decimals, '–' for missing. */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (typeof v !== 'number') return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}

const PAGES = [['/', 'Runs'], ['/compare', 'Side by side'], ['/blind', 'Blind A/B'], ['/leaderboard', 'Leaderboard'], ['/generate', 'Generate']];

export function nav() {
  const header = el('header', {}, el('strong', {}, 'spacetime'), ...PAGES.map(([href, label]) => el('a', { href, class: location.pathname === href ? 'here' : null }, label)));
  document.body.prepend(header);
}

export function showError(where, err) {
  where.replaceChildren(el('p', { class: 'error' }, err instanceof Error ? err.message : String(err)));
}

/**
 * Clips of any size side by side at the same scale (as eval/figures/letterbox.ts): the world is
 * 10 units high in every clip, so each video (in a .clipbox) is as high as its box and as wide as
 * its aspect, and every box in `container` is as wide as the widest clip (--clip-aspect):
 * a 48×32 clip is wider, a 32×48 one narrower, neither squashed. Re-fitted as videos load.
 */
export function letterbox(container, videos) {
  const fit = () => {
    const aspects = videos.filter((v) => v.videoHeight > 0).map((v) => v.videoWidth / v.videoHeight);
    if (aspects.length) container.style.setProperty('--clip-aspect', String(Math.max(...aspects)));
  };
  for (const v of videos) v.addEventListener('loadedmetadata', fit);
  fit();
}
