// Blind A/B: fetch a pair (two runs, one video id, random sides), play both in step, take
// one vote, reveal the names, then the next pair. ?runs=a,b limits pairs to those two runs.
import { api, el, letterbox, nav, showError } from './common.js';
import { renderBoard } from './board.js';

nav();
const runs = new URLSearchParams(location.search).get('runs');
const left = document.getElementById('left');
const right = document.getElementById('right');
const result = document.getElementById('result');
letterbox(document.getElementById('pair'), [left, right]);
const buttons = [...document.querySelectorAll('button[data-choice]')];
let pair = null;

for (const v of [left, right]) Object.assign(v, { muted: true, loop: true, playsInline: true, autoplay: true });

async function next() {
  buttons.forEach((b) => (b.disabled = true));
  try {
    pair = await api('/api/blind/pairs', runs ? { runs: runs.split(',') } : {});
  } catch (err) {
    return showError(result, err);
  }
  document.getElementById('caption').textContent = `“${pair.caption}”`;
  left.src = pair.videos.left;
  right.src = pair.videos.right;
  left.addEventListener('canplay', () => ((right.currentTime = left.currentTime), left.play().catch(() => {}), right.play().catch(() => {})), { once: true });
  buttons.forEach((b) => (b.disabled = false));
}

async function vote(choice) {
  if (!pair || buttons[0].disabled) return;
  buttons.forEach((b) => (b.disabled = true));
  try {
    const v = await api(`/api/blind/pairs/${pair.token}/vote`, { choice });
    result.replaceChildren(`You voted ${choice.replace('_', ' ')}: left was `, el('strong', {}, v.left), ', right was ', el('strong', {}, v.right), '.');
  } catch (err) {
    showError(result, err);
  }
  await renderBoard(document.getElementById('board'));
  await next();
}

buttons.forEach((b) => b.addEventListener('click', () => void vote(b.dataset.choice)));
document.addEventListener('keydown', (e) => {
  const choice = { 1: 'left', 2: 'right', 3: 'tie', 4: 'both_bad' }[e.key];
  if (choice) void vote(choice);
});
await renderBoard(document.getElementById('board'));
await next();
