/**
 * ONNX files as bytes: the model messages of onnx-schema.ts (ONNX's own names and field
 * numbers) encoded by protobufjs. graph.ts builds the plain objects typed here.
 *
 *   const bytes = encodeModel({ irVersion: ONNX_IR_VERSION, opsetImport: [{ domain: '', version: ONNX_OPSET }], graph });
 */
import protobuf from 'protobufjs';
import { ONNX_SCHEMA } from './onnx-schema.js';

/** IR version 8 (ONNX 1.12+) is the one that goes with opset 17. */
export const ONNX_IR_VERSION = 8;
/** The default-domain opset: 17 is the first with LayerNormalization. */
export const ONNX_OPSET = 17;

/** TensorProto.DataType values we write. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values we write. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export interface TensorMessage {
  name: string;
  dims: number[];
  dataType: DataTypeCode;
  /** Little-endian values, as ONNX's raw_data. */
  rawData: Uint8Array;
}

export interface AttributeMessage {
  name: string;
  type: (typeof AttributeType)[keyof typeof AttributeType];
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

export interface NodeMessage {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
}

/** A dimension: a fixed size, or a named symbolic one (e.g. 'batch'). */
export type Dim = number | string;

export interface ValueInfoMessage {
  name: string;
  type: { tensorType: { elemType: DataTypeCode; shape: { dim: ({ dimValue: number } | { dimParam: string })[] } } };
  docString?: string;
}

export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
  docString?: string;
}

export interface ModelMessage {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  graph: GraphMessage;
  metadataProps?: { key: string; value: string }[];
}

let modelType: protobuf.Type | undefined;

/** The ModelProto type, parsed once. */
function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_SCHEMA).root.lookupType('onnx.ModelProto');
  return modelType;
}

/** A ModelProto as the bytes of a .onnx file. */
export function encodeModel(model: ModelMessage): Uint8Array {
  const type = modelProto();
  return type.encode(type.fromObject(model as unknown as Record<string, unknown>)).finish();
}

/** Parse the bytes of a .onnx file written by encodeModel (for tests and inspection). */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number }) as ModelMessage;
}

/** A ValueInfoProto for a tensor input or output. */
export function valueInfo(name: string, elemType: DataTypeCode, shape: readonly Dim[], docString?: string): ValueInfoMessage {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } }, ...(docString ? { docString } : {}) };
}
