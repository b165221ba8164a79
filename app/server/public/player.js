// Synchronised playback of several <video>s showing clips of the same length: one set of
// controls (play/pause, scrub, frame step, loop, speed); the first video is the clock and
// the others are pulled back to it whenever they drift by more than half a frame.
import { el } from './common.js';

export class SyncPlayer {
  /** @param {HTMLVideoElement[]} videos @param {{ frames: number, fps: number }} clip */
  constructor(videos, clip) {
    this.videos = videos;
    this.frames = clip.frames;
    this.fps = clip.fps;
    this.playing = false;
    this.frame = el('span', { class: 'muted' }, '');
    this.scrub = el('input', { type: 'range', min: 0, max: clip.frames - 1, value: 0, step: 1, oninput: (e) => this.seek(Number(e.target.value)) });
    this.button = el('button', { id: 'play', onclick: () => (this.playing ? this.pause() : this.play()) }, 'Play');
    this.loop = el('input', { type: 'checkbox', id: 'loop', checked: true, onchange: () => this.videos.forEach((v) => (v.loop = this.loop.checked)) });
    this.speed = el(
      'select',
      { onchange: () => this.videos.forEach((v) => (v.playbackRate = Number(this.speed.value))) },
      ['1', '0.5', '0.25'].map((s) => el('option', { value: s }, `${s}×`)),
    );
    this.controls = el(
      'div',
      { class: 'bar' },
      this.button,
      el('button', { id: 'back', title: 'one frame back', onclick: () => this.step(-1) }, '◀ frame'),
      el('button', { id: 'forward', title: 'one frame on', onclick: () => this.step(1) }, 'frame ▶'),
      this.scrub,
      this.frame,
      el('label', {}, this.loop, ' loop'),
      this.speed,
    );
    for (const v of videos) {
      v.muted = true;
      v.loop = true;
      v.playsInline = true;
      v.preload = 'auto';
    }
    videos[0].addEventListener('ended', () => this.pause());
    this.tick = this.tick.bind(this);
    requestAnimationFrame(this.tick);
    this.show();
  }

  get clock() {
    return this.videos[0];
  }

  currentFrame() {
    return Math.min(this.frames - 1, Math.floor(this.clock.currentTime * this.fps + 1e-6));
  }

  play() {
    this.playing = true;
    this.button.textContent = 'Pause';
    const t = this.clock.currentTime;
    for (const v of this.videos) {
      v.currentTime = t;
      v.play().catch(() => {});
    }
  }

  pause() {
    this.playing = false;
    this.button.textContent = 'Play';
    for (const v of this.videos) v.pause();
    this.seek(this.currentFrame());
  }

  /** Show frame k everywhere (the middle of its display interval, so rounding cannot pick a neighbour). */
  seek(k) {
    const t = (Math.max(0, Math.min(this.frames - 1, k)) + 0.5) / this.fps;
    for (const v of this.videos) v.currentTime = t;
    this.show(k);
  }

  step(delta) {
    if (this.playing) this.pause();
    const next = this.currentFrame() + delta;
    this.seek(this.loop.checked ? (next + this.frames) % this.frames : next);
  }

  show(k = this.currentFrame()) {
    this.scrub.value = String(k);
    this.frame.textContent = `frame ${k + 1} / ${this.frames}`;
  }

  tick() {
    if (!this.controls.isConnected && this.videos[0].isConnected === false) return; // page moved on
    if (this.playing) {
      const t = this.clock.currentTime;
      for (const v of this.videos.slice(1)) if (Math.abs(v.currentTime - t) > 0.5 / this.fps) v.currentTime = t;
      this.show();
    }
    requestAnimationFrame(this.tick);
  }
}
