/**
 * A tiny ONNX graph builder: typed inputs, weights as initializers, nodes named in order,
 * and the model message around them (proto.ts turns it into bytes).
 *
 *   const g = new GraphBuilder('double');
 *   const x = g.input('x', DataType.FLOAT, ['batch', 4], 'any values');
 *   g.output(g.op('Mul', [x, g.scalar(2)]), 'y', DataType.FLOAT, ['batch', 4], 'twice x');
 *   const bytes = encodeModel(g.model({ doc: 'y = 2x' }));
 *
 * Values are referred to by name (string), as in ONNX itself.
 */
import { AttributeType, DataType, ONNX_IR_VERSION, ONNX_OPSET, valueInfo, type AttributeMessage, type DataTypeCode, type Dim, type ModelMessage, type NodeMessage, type TensorMessage, type ValueInfoMessage } from './proto.js';

/** A node attribute, tagged with its ONNX type (an integer and a float look alike in JS). */
export type Attribute = { int: number } | { float: number } | { ints: readonly number[] } | { floats: readonly number[] };

function attributeMessage(name: string, a: Attribute): AttributeMessage {
  if ('int' in a) return { name, type: AttributeType.INT, i: a.int };
  if ('float' in a) return { name, type: AttributeType.FLOAT, f: a.float };
  if ('ints' in a) return { name, type: AttributeType.INTS, ints: [...a.ints] };
  return { name, type: AttributeType.FLOATS, floats: [...a.floats] };
}

/** Little-endian bytes of a typed array (every platform Node runs on is little-endian, as ONNX's raw_data). */
function rawBytes(values: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

/** An input or output as the JSON beside an exported file describes it. */
export interface TensorSpec {
  name: string;
  dtype: 'float32' | 'int32';
  /** Sizes, or the name of a dynamic axis ('batch'). */
  shape: Dim[];
  description: string;
}

const DTYPE_NAMES: Record<DataTypeCode, TensorSpec['dtype'] | undefined> = { [DataType.FLOAT]: 'float32', [DataType.INT32]: 'int32', [DataType.INT64]: undefined };

function spec(name: string, type: DataTypeCode, shape: readonly Dim[], description: string): TensorSpec {
  const dtype = DTYPE_NAMES[type];
  if (!dtype) throw new Error(`onnx graph: input/output ${name} must be float32 or int32`);
  return { name, dtype, shape: [...shape], description };
}

export class GraphBuilder {
  /** The graph's inputs and outputs, in order, for the JSON beside the file. */
  readonly inputSpecs: TensorSpec[] = [];
  readonly outputSpecs: TensorSpec[] = [];
  private readonly nodes: NodeMessage[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly int64Constants = new Map<string, string>();
  private readonly floatScalars = new Map<number, string>();
  private readonly filledVectors = new Map<string, string>();
  private count = 0;

  constructor(readonly name: string) {}

  /** A graph input. */
  input(name: string, type: DataTypeCode, shape: readonly Dim[], doc: string): string {
    this.inputs.push(valueInfo(name, type, shape, doc));
    this.inputSpecs.push(spec(name, type, shape, doc));
    return name;
  }

  /** Expose `value` as the graph output `name`. */
  output(value: string, name: string, type: DataTypeCode, shape: readonly Dim[], doc: string): void {
    this.nodes.push({ name: `output_${name}`, opType: 'Identity', input: [value], output: [name], attribute: [] });
    this.outputs.push(valueInfo(name, type, shape, doc));
    this.outputSpecs.push(spec(name, type, shape, doc));
  }

  /** A float32 weight of shape `dims` (row-major `values`). */
  weight(name: string, values: Float32Array, dims: readonly number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`onnx weight ${name}: ${values.length} values for shape [${dims}]`);
    this.initializers.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: rawBytes(values) });
    return name;
  }

  /** A float32 scalar constant (shared by value). */
  scalar(value: number): string {
    let name = this.floatScalars.get(value);
    if (!name) {
      name = this.weight(`const_f${this.floatScalars.size}`, Float32Array.of(value), []);
      this.floatScalars.set(value, name);
    }
    return name;
  }

  /** A float32 vector of `length` copies of `value` (LayerNorm's unit scale, zero shift), shared. */
  filled(value: number, length: number): string {
    const key = `${value}x${length}`;
    let name = this.filledVectors.get(key);
    if (!name) {
      name = this.weight(`const_v${this.filledVectors.size}`, new Float32Array(length).fill(value), [length]);
      this.filledVectors.set(key, name);
    }
    return name;
  }

  /** A 1-D int64 constant (shapes and axes for Reshape, Unsqueeze, ReduceSum), shared by value. */
  int64s(values: readonly number[]): string {
    const key = values.join(',');
    let name = this.int64Constants.get(key);
    if (!name) {
      name = `const_i${this.int64Constants.size}`;
      const data = BigInt64Array.from(values, (v) => BigInt(v));
      this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: rawBytes(data) });
      this.int64Constants.set(key, name);
    }
    return name;
  }

  /** One node with one output; returns the output's name. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}): string {
    return this.opN(opType, inputs, 1, attributes)[0];
  }

  /** One node with `outputs` outputs (Split). */
  opN(opType: string, inputs: readonly string[], outputs: number, attributes: Record<string, Attribute> = {}): string[] {
    const id = this.count++;
    const names = Array.from({ length: outputs }, (_, k) => `${opType.toLowerCase()}_${id}${outputs > 1 ? `_${k}` : ''}`);
    const attribute = Object.entries(attributes).map(([k, a]) => attributeMessage(k, a));
    this.nodes.push({ name: `${opType}_${id}`, opType, input: [...inputs], output: names, attribute });
    return names;
  }

  /** The model: this graph at IR version 8, opset 17. */
  model(options: { doc: string; metadata?: Record<string, string> }): ModelMessage {
    return {
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'spacetime-lab',
      docString: options.doc,
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }
}
