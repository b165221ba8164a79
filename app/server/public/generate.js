// Generate on demand: submit a prompt to one or two checkpoints, poll the job (queue
// position, then sampler steps), show the videos side by side when they are written.
import { api, el, nav, showError } from './common.js';
import { SyncPlayer } from './player.js';

nav();
const form = document.getElementById('form');
const box = document.getElementById('job');
const picks = document.getElementById('checkpoints');
let checkpoints = [];

try {
  ({ checkpoints } = await api('/api/checkpoints'));
} catch (err) {
  showError(box, err);
}
if (!checkpoints.length) {
  box.replaceChildren(el('p', { class: 'muted' }, 'No checkpoint available: start the server with --checkpoints PATH (or once models/default is shipped).'));
  document.getElementById('go').disabled = true;
}
picks.replaceChildren(...checkpoints.map((c, i) => el('label', { title: c.label }, el('input', { type: 'checkbox', value: c.id, checked: i < 2 }), ` ${c.label} `)));

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const chosen = [...picks.querySelectorAll('input:checked')].map((i) => i.value).slice(0, 2);
  try {
    const job = await api('/api/jobs', {
      prompt: document.getElementById('prompt').value,
      checkpoints: chosen,
      seed: Number(document.getElementById('seed').value),
      steps: Number(document.getElementById('steps').value),
      guidance: Number(document.getElementById('guidance').value),
    });
    await follow(job.id);
  } catch (err) {
    showError(box, err);
  }
});

async function follow(id) {
  const bar = el('progress', { max: 1, value: 0 });
  const status = el('span', { class: 'muted' });
  box.replaceChildren(el('div', { class: 'bar' }, bar, status));
  for (;;) {
    const job = await api(`/api/jobs/${id}`);
    bar.max = job.progress.total;
    bar.value = job.progress.done;
    status.textContent = job.status === 'queued' ? `waiting: ${job.position} job(s) ahead` : `${job.status}: step ${job.progress.done} of ${job.progress.total}`;
    if (job.status === 'failed') return showError(box, new Error(`generation failed: ${job.error}`));
    if (job.status === 'done') return show(job);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function show(job) {
  const labels = Object.fromEntries(checkpoints.map((c) => [c.id, c.label]));
  const videos = job.videos.map((src) => el('video', { src }));
  const player = new SyncPlayer(videos, { frames: 16, fps: 10 });
  box.replaceChildren(
    el('p', {}, `“${job.prompt}” · seed ${job.seed} · ${job.steps} steps · guidance ${job.guidance}`),
    player.controls,
    el('div', { class: 'grid' }, job.checkpoints.map((c, k) => el('div', { class: 'tile' }, el('h3', {}, labels[c] ?? c), videos[k]))),
  );
  player.play();
}
