/**
 * The child process behind `processGenerator`: one video from one checkpoint, progress as
 * JSON lines on stdout. Started with the task as a JSON argument:
 *
 *   node --import tsx app/server/generate-worker.ts '{"checkpoint":"models/default","prompt":"…","seed":1,"steps":25,"guidance":3,"out":"/tmp/x.mp4"}'
 *   → {"step":1,"steps":25} … {"done":true}        (or {"error":"…"} and exit code 1)
 *
 * A task with `given` (an upload in the job's folder, uploads.ts) runs its prompting mode as
 * `spacetime generate --image/--video` does.
 */
import { useBackend } from '../../base/compute/backend.js';
import { generateVideos, loadPipeline } from '../../src/infer/pipeline.js';
import { generatePrompted } from '../../src/infer/prompting.js';
import { c2paSigner } from '../../src/provenance/sign.js';
import { generationRecord } from '../../src/provenance/record.js';
import { generatedWriterFor } from '../../src/provenance/write.js';
import { promptingModeOf, withoutFolder, type GivenUpload } from './uploads.js';

const say = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');

let given: GivenUpload | undefined;
try {
  const task = JSON.parse(process.argv[2] ?? '') as { checkpoint: string; prompt: string; seed: number; steps: number; guidance: number; given?: GivenUpload; out: string };
  given = task.given;
  const write = generatedWriterFor(task.out);
  const sign = await c2paSigner({}); // $SPACETIME_C2PA_KEY/CERT, else the local test key, as for the CLI
  await useBackend();
  const pipe = loadPipeline(task.checkpoint);
  const settings = { prompt: task.prompt, seeds: [task.seed], steps: task.steps, guidance: task.guidance };
  const onStep = (step: number, steps: number) => say({ step, steps });
  const { videos, givenFrames } = given
    ? await generatePrompted(pipe, { ...settings, onStep }, promptingModeOf(given))
    : { videos: generateVideos(pipe, { ...settings, onStep }), givenFrames: null };
  await write(videos[0], task.out, { record: generationRecord(pipe, { ...settings, givenFrames }), sign });
  say({ done: true });
} catch (err) {
  say({ error: given ? withoutFolder(err, given.file) : err instanceof Error ? err.message.split('\n')[0] : String(err) });
  process.exitCode = 1;
}
