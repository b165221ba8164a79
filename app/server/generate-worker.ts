/**
 * The child process behind `processGenerator`: one video from one checkpoint, progress as
 * JSON lines on stdout. Started with the task as a JSON argument:
 *
 *   node --import tsx app/server/generate-worker.ts '{"checkpoint":"models/default","prompt":"…","seed":1,"steps":25,"guidance":3,"out":"/tmp/x.mp4"}'
 *   → {"step":1,"steps":25} … {"done":true}        (or {"error":"…"} and exit code 1)
 */
import { useBackend } from '../../base/compute/backend.js';
import { generateVideos, loadPipeline } from '../../src/infer/pipeline.js';
import { c2paSigner } from '../../src/provenance/sign.js';
import { generationRecord } from '../../src/provenance/record.js';
import { generatedWriterFor } from '../../src/provenance/write.js';

const say = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');

try {
  const task = JSON.parse(process.argv[2] ?? '') as { checkpoint: string; prompt: string; seed: number; steps: number; guidance: number; out: string };
  const write = generatedWriterFor(task.out);
  const sign = await c2paSigner({}); // $SPACETIME_C2PA_KEY/CERT, else the local test key, as for the CLI
  await useBackend();
  const pipe = loadPipeline(task.checkpoint);
  const settings = { prompt: task.prompt, seeds: [task.seed], steps: task.steps, guidance: task.guidance };
  const [video] = generateVideos(pipe, { ...settings, onStep: (step, steps) => say({ step, steps }) });
  await write(video, task.out, { record: generationRecord(pipe, settings), sign });
  say({ done: true });
} catch (err) {
  say({ error: err instanceof Error ? err.message.split('\n')[0] : String(err) });
  process.exitCode = 1;
}
