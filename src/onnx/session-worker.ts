/**
 * The worker thread that holds the onnxruntime-node sessions of sync-sessions.ts, as the
 * source it is started from (`new Worker(SESSION_WORKER_SOURCE, { eval: true })`): plain
 * CommonJS, so it runs the same under tsx, vitest and tslab's CommonJS build, and needs no
 * file lookup (library code avoids import.meta).
 *
 * Protocol: the main thread posts a request on `port` and blocks in Atomics.wait on
 * `signal`; this thread runs it (InferenceSession.create / run / release, all async),
 * posts the reply, then bumps `signal` and notifies; the main thread reads the reply with
 * receiveMessageOnPort. Requests: { id, type: 'load', name, bytes, options } →
 * { inputNames, outputNames }; { id, type: 'run', name, feeds } → { outputs }; { id, type:
 * 'close' }. A failure is replied as { id, error }.
 */
export const SESSION_WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, signal, onnxruntimePath } = workerData;
const sessions = new Map();
// Loaded inside a handler so a failure to load onnxruntime is answered as an error, not a silent exit.
let ort;

function reply(message) {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

async function handle(request) {
  ort ??= require(onnxruntimePath);
  if (request.type === 'load') {
    const session = await ort.InferenceSession.create(request.bytes, request.options);
    sessions.set(request.name, session);
    return { inputNames: session.inputNames, outputNames: session.outputNames };
  }
  if (request.type === 'run') {
    const session = sessions.get(request.name);
    if (!session) throw new Error('no ONNX session "' + request.name + '"');
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
  throw new Error('unknown request ' + request.type);
}

port.on('message', (request) => {
  handle(request).then(
    (result) => reply({ id: request.id, ...result }),
    (err) => reply({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
`;
