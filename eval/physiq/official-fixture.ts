/**
 * Regenerates official-fixture.json: the Physics-IQ metrics of the fixture comparisons
 * (test-videos.ts) as OpenCV and NumPy compute them, through official-check.py. Needs python3
 * with numpy and cv2 (Debian: apt-get install python3-opencv):
 *
 *   npx tsx eval/physiq/official-fixture.ts [PYTHON]      # default /usr/bin/python3
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE_CLIPS, FIXTURE_COMPARISONS, fixtureVideo } from './test-videos.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const python = process.argv[2] ?? '/usr/bin/python3';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'physiq-official-'));
try {
  const clips = FIXTURE_CLIPS.map((clip) => {
    const v = fixtureVideo(clip);
    const file = `${clip.name}.rgb`;
    fs.writeFileSync(path.join(dir, file), v.frames);
    return { name: clip.name, file, frames: v.numFrames, height: v.height, width: v.width, fps: v.fps };
  });
  fs.writeFileSync(path.join(dir, 'clips.json'), JSON.stringify({ clips, comparisons: FIXTURE_COMPARISONS }));
  const out = execFileSync(python, [path.join(here, 'official-check.py'), dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
  fs.writeFileSync(path.join(here, 'official-fixture.json'), out.trimEnd() + '\n');
  console.log(`wrote ${path.join(here, 'official-fixture.json')}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
