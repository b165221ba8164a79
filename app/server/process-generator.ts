/**
 * The server's default generator: each video is made by a child process
 * (app/server/generate-worker.ts) so that sampling, which is synchronous, never blocks the
 * server. The child reports sampler steps as JSON lines; aborting kills it.
 *
 *   const queue = new GenerationQueue(processGenerator(), outDir, checkpoints);
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { findPackageRoot } from '../../kernels/native/index.js';
import type { Generator } from './queue.js';

export function processGenerator(options: { root?: string } = {}): Generator {
  return (task, onStep, signal) =>
    new Promise<void>((resolve, reject) => {
      const root = options.root ?? findPackageRoot() ?? process.cwd();
      const payload = JSON.stringify({ ...task, checkpoint: path.resolve(task.checkpoint.path) });
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'app', 'server', 'generate-worker.ts'), payload], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        signal,
      });
      let error: string | null = null;
      let stderr = '';
      let buffer = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          try {
            const msg = JSON.parse(line) as { step?: number; steps?: number; error?: string };
            if (typeof msg.step === 'number') onStep(msg.step, msg.steps ?? 0);
            if (typeof msg.error === 'string') error = msg.error;
          } catch {
            // a stray line (a library's warning): not ours
          }
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
      child.on('error', (err) => reject(err));
      child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new Error(error ?? (stderr.trim().split('\n').pop() || `generation exited with code ${code}`)));
      });
    });
}
