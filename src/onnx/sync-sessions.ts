/**
 * onnxruntime-node sessions called synchronously. The sampling loop
 * (src/diffusion/generate.ts) calls its model as a plain function, but
 * InferenceSession.run returns a Promise; so the sessions live on a worker thread
 * (session-worker.ts) and each call blocks this thread until the worker answers
 * (Atomics.wait on a shared counter, then receiveMessageOnPort). Inputs and outputs are
 * copied across once per call.
 *
 *   const sessions = new SyncSessions();
 *   sessions.load('dit', bytes);
 *   const { prediction } = sessions.run('dit', { x: { type: 'float32', data, dims: [2, 3, 16, 32, 32] }, … });
 *   sessions.close();
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { UserError } from '../../base/errors.js';
import { SESSION_WORKER_SOURCE } from './session-worker.js';

export interface FeedTensor {
  type: 'float32' | 'int32';
  data: Float32Array | Int32Array;
  dims: readonly number[];
}

export interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

/** How long one call may take before the worker is taken for dead. */
const CALL_TIMEOUT_MS = 10 * 60 * 1000;
const ONNXRUNTIME = 'onnxruntime-node';

/**
 * Where onnxruntime-node is, for the worker to require: resolved from the working folder,
 * then the main script, then this module's folder when compiled to CommonJS (as
 * eval/figures/plotly.ts finds plotly; import.meta is off limits).
 */
function onnxruntimePath(): string {
  const bases = [path.join(process.cwd(), 'index.js')];
  if (process.argv[1]) bases.push(path.resolve(process.argv[1]));
  if (typeof __dirname === 'string') bases.push(path.join(__dirname, 'index.js'));
  for (const base of bases) {
    try {
      return createRequire(base).resolve(ONNXRUNTIME);
    } catch {
      // not reachable from this base; try the next
    }
  }
  throw new UserError(`cannot find ${ONNXRUNTIME} from ${process.cwd()}: run \`npm install\` in the repository`);
}

export interface SessionOptions {
  /** Threads within one operator (onnxruntime's intraOpNumThreads); default: onnxruntime's (all cores). */
  threads?: number;
}

export class SyncSessions {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 0;
  private closed = false;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(SESSION_WORKER_SOURCE, { eval: true, workerData: { port: port2, signal: this.signal, onnxruntimePath: onnxruntimePath() }, transferList: [port2] });
    this.worker.unref(); // an open session does not keep the process alive
  }

  /** Create the session `name` from the bytes of a .onnx file. */
  load(name: string, bytes: Uint8Array, options: SessionOptions = {}): { inputNames: string[]; outputNames: string[] } {
    const sessionOptions = { executionProviders: ['cpu'], ...(options.threads ? { intraOpNumThreads: options.threads } : {}) };
    return this.call({ type: 'load', name, bytes, options: sessionOptions }) as { inputNames: string[]; outputNames: string[] };
  }

  /** Run the session `name` on `feeds`; its outputs by name. */
  run(name: string, feeds: Record<string, FeedTensor>): Record<string, OutputTensor> {
    return (this.call({ type: 'run', name, feeds }) as { outputs: Record<string, OutputTensor> }).outputs;
  }

  /** Release the sessions and stop the worker. */
  close(): void {
    if (this.closed) return;
    try {
      this.call({ type: 'close' });
    } finally {
      this.closed = true;
      this.port.close();
      void this.worker.terminate();
    }
  }

  private call(request: Record<string, unknown>): Record<string, unknown> {
    if (this.closed) throw new Error('ONNX sessions are closed');
    const id = this.nextId++;
    const before = Atomics.load(this.signal, 0);
    this.port.postMessage({ ...request, id });
    if (Atomics.wait(this.signal, 0, before, CALL_TIMEOUT_MS) === 'timed-out') throw new Error(`onnxruntime worker did not answer "${String(request.type)}" in ${CALL_TIMEOUT_MS / 1000}s`);
    const received = receiveMessageOnPort(this.port);
    if (!received) throw new Error('onnxruntime worker signalled without a reply');
    const message = received.message as { id: number; error?: string };
    if (message.id !== id) throw new Error(`onnxruntime worker answered request ${message.id}, expected ${id}`);
    if (message.error !== undefined) throw new Error(`onnxruntime: ${message.error}`);
    return message as unknown as Record<string, unknown>;
  }
}
