/**
 * `tf.variableGrads` with a training step's peak memory cut: the same tape walked in the same
 * order through the same gradient functions (gradients bit-identical), but each tape node's
 * output gradients and saved tensors are freed as soon as that node is done.
 *
 *   const { value, grads } = leanVariableGrads(() => loss(), Object.values(params));
 *
 * Why: tfjs-core's backprop (Engine.gradients → tape.backpropagateGradients, 4.22) keeps every
 * intermediate gradient, every tensor a gradient function made and every tensor saved for the
 * backward pass until the whole backward pass ends, so a step's peak holds the saved activations
 * *and* all of their gradients — and the wasm heap never shrinks, so that peak is the process's
 * RSS for good. Here the peak is the saved activations and the few gradients in flight.
 *
 * It reads tfjs-core's engine internals (state.activeTape, state.gradientDepth, startTape,
 * endTape, scopedRun, and the tape nodes' inputs, outputs, gradient and saved), which the pinned
 * tfjs 4.22 has; lean-grads.test.ts checks the result against tf.variableGrads bit for bit and for
 * leaks on every backend. Called inside another gradient (a higher-order gradient), it leaves the
 * work to tf.variableGrads, whose tape the outer gradient still needs.
 */
import * as tf from '@tensorflow/tfjs';

/** A node of tfjs-core's tape (tape.ts TapeNode). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The parts of tfjs-core's Engine this reads. */
interface EngineInternals {
  state: { gradientDepth: number; activeTape: TapeNode[] | null };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

export function leanVariableGrads(f: () => tf.Scalar, varList: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.state.gradientDepth > 0) return tf.variableGrads(f, varList);
  const xs = varList.filter((v) => v.trainable);
  if (xs.length === 0) throw new Error(`leanVariableGrads: none of the ${varList.length} variables is trainable`);

  // As Engine.gradients: the forward pass under a tape, its intermediates freed but what the tape saved.
  const y = engine.scopedRun(() => engine.startTape(), () => engine.endTape(), () => engine.tidy('forward', f));
  const tape = engine.state.activeTape!;
  try {
    if (!(y instanceof tf.Tensor) || y.rank !== 0) throw new Error(`leanVariableGrads: f must return a scalar, not ${y instanceof tf.Tensor ? `a rank-${y.rank} tensor` : String(y)}`);
    const path = nodesFromXsToY(tape, xs, y);
    const onPath = new Set(path.map((node) => node.id));
    for (const node of tape) if (!onPath.has(node.id)) disposeSaved(node); // never used
    return engine.tidy('backward', () => {
      const grads = new Map<number, tf.Tensor>(); // tensor id → its accumulated gradient
      const holders = new Map<tf.Tensor, number>(); // gradient tensor → how many ids hold it
      const hold = (id: number, g: tf.Tensor) => {
        grads.set(id, g);
        holders.set(g, (holders.get(g) ?? 0) + 1);
      };
      const release = (id: number) => {
        const g = grads.get(id)!;
        grads.delete(id);
        const left = holders.get(g)! - 1;
        if (left > 0) holders.set(g, left);
        else {
          holders.delete(g);
          g.dispose();
        }
      };
      const xIds = new Set(xs.map((x) => x.id));
      hold(y.id, tf.onesLike(y));
      for (let i = path.length - 1; i >= 0; i--) {
        const node = path[i];
        if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        const dys = node.outputs.map((o) => grads.get(o.id) ?? null);
        const names = Object.keys(node.inputs);
        // One scope per node (tfjs: one per input): what the gradient function makes besides the
        // input gradients is freed here, not at the end of the backward pass.
        const dxs = tf.tidy(() => {
          const inputGradients = node.gradient!(dys);
          return names.map((name) => {
            if (!(name in inputGradients)) throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`);
            return inputGradients[name]();
          });
        });
        names.forEach((name, k) => {
          const dx = dxs[k];
          const x = node.inputs[name];
          if (dx.dtype !== 'float32') throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
          if (!tf.util.arraysEqual(dx.shape, x.shape)) throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
          const current = grads.get(x.id);
          if (current === undefined) hold(x.id, dx);
          else {
            const sum = tf.add(current, dx); // tfjs's order: the gradient so far, then this one
            release(x.id);
            hold(x.id, sum);
            if (!holders.has(dx)) dx.dispose();
          }
        });
        // The node's outputs have all their gradient now (their consumers come later on the tape,
        // already walked) and nothing before it reads them or what it saved.
        for (const o of node.outputs) if (grads.has(o.id) && !xIds.has(o.id)) release(o.id);
        disposeSaved(node);
      }
      const named: tf.NamedTensorMap = {};
      for (const x of xs) {
        const g = grads.get(x.id);
        if (g) named[x.name] = g;
      }
      if (Object.keys(named).length === 0) throw new Error('Cannot find a connection between any variable and the result of the loss function y=f(x).');
      return { value: y, grads: named };
    });
  } finally {
    for (const node of tape) disposeSaved(node);
    engine.state.activeTape = null;
  }
}

function disposeSaved(node: TapeNode): void {
  for (const t of node.saved ?? []) t.dispose();
}

/** The tape's nodes on a path from one of `xs` to `y`, in tape order (tape.ts getFilteredNodesXToY). */
function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => fromX.has(input.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const input of Object.values(node.inputs)) toY.add(input.id);
      nodesToY.add(node.id);
    }
  }
  const path: TapeNode[] = [];
  for (const node of tape) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, input] of Object.entries(node.inputs)) if (fromX.has(input.id)) inputs[name] = input;
    path.push({ ...node, inputs });
  }
  return path;
}
