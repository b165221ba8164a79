// Generate on demand: submit a prompt to one or two checkpoints (with an uploaded image or
// clip, sent base64 in the job), poll the job (queue position, then sampler steps), show the
// videos side by side when they are written.
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
      ...(await given()),
    });
    await follow(job.id);
  } catch (err) {
    showError(box, err);
  }
});

/** The upload and its K or strength, as the job's body fields (none without a file). */
async function given() {
  const file = document.getElementById('upload').files[0];
  if (!file) return {};
  const number = (id) => (document.getElementById(id).value === '' ? undefined : Number(document.getElementById(id).value));
  const url = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
  return { upload: { type: file.type, data: url.slice(url.indexOf(',') + 1) }, keepFrames: number('keep'), strength: number('strength') };
}

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
    el('p', {}, `“${job.prompt}” · seed ${job.seed} · ${job.steps} steps · guidance ${job.guidance}${givenLabel(job.given)}`),
    player.controls,
    el('div', { class: 'grid' }, job.checkpoints.map((c, k) => el('div', { class: 'tile' }, el('h3', {}, labels[c] ?? c), videos[k]))),
  );
  player.play();
}

function givenLabel(given) {
  if (!given) return '';
  if (given.keepFrames !== undefined) return ` · first ${given.keepFrames} frame(s) of the upload given`;
  if (given.strength !== undefined) return ` · the upload edited at strength ${given.strength}`;
  return ' · the uploaded image is the first frame';
}
