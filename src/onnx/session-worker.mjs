// The onnxruntime-node sessions of src/onnx/sync-sessions.ts, on their own thread.
// InferenceSession.run is asynchronous; the sampling loop (src/diffusion/generate.ts) calls
// its model synchronously. The main thread posts a request on `port` and blocks on
// Atomics.wait; this thread runs it, posts the reply, then bumps `signal` and notifies,
// and the main thread reads the reply with receiveMessageOnPort. Plain JavaScript so it
// loads in a worker under any TypeScript loader (tsx, vitest) or none.
import { workerData } from 'node:worker_threads';

const { port, signal } = workerData;
const sessions = new Map();
// Imported lazily so a failure to load onnxruntime is answered as an error, not a silent exit.
const runtime = import('onnxruntime-node').then((m) => m.default ?? m);

function reply(message) {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

async function handle(request) {
  const ort = await runtime;
  if (request.type === 'load') {
    const session = await ort.InferenceSession.create(request.bytes, request.options);
    sessions.set(request.name, session);
    return { inputNames: session.inputNames, outputNames: session.outputNames };
  }
  if (request.type === 'run') {
    const session = sessions.get(request.name);
    if (!session) throw new Error(`no ONNX session "${request.name}"`);
    const feeds = {};
    for (const [name, t] of Object.entries(request.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    const results = await session.run(feeds);
    const outputs = {};
    for (const [name, t] of Object.entries(results)) outputs[name] = { data: t.data, dims: [...t.dims] };
    return { outputs };
  }
  if (request.type === 'close') {
    for (const session of sessions.values()) await session.release();
    sessions.clear();
    return {};
  }
  throw new Error(`unknown request ${request.type}`);
}

port.on('message', (request) => {
  handle(request).then(
    (result) => reply({ id: request.id, ...result }),
    (err) => reply({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
