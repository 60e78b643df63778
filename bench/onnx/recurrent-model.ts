/**
 * Writes an ONNX ModelProto for a recurrent stack: one ONNX GRU / LSTM / RNN node per layer
 * (linear_before_reset = 1 for the GRU: the PyTorch reset-after form), chained through a
 * Squeeze that drops the num_directions axis. Layout 0 (time-major): X [T][B][in],
 * Y [T][1][B][H]. A one-layer model can also take and return its states (H0/HN, C0/CN), so
 * streaming callers carry them between runs. Field numbers are those of onnx/onnx.proto
 * (IR version 8).
 */
import { ProtoWriter } from './protobuf.js';
import { onnxLayerFromTorch, type TorchStack } from '../layouts.js';

const IR_VERSION = 8;
const OPSET = 17;
const DT_FLOAT = 1;
const DT_INT64 = 7;
const ATTR_INT = 2;
const ATTR_STRINGS = 8;

const OP_TYPE = { gru: 'GRU', lstm: 'LSTM', rnn_tanh: 'RNN' } as const;

interface Initializer {
  name: string;
  dims: number[];
  float?: Float32Array;
  int64?: bigint[];
}

interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  intAttributes?: Record<string, number>;
  stringsAttributes?: Record<string, string[]>;
}

function writeTensor(w: ProtoWriter, t: Initializer): void {
  w.packedInts(1, t.dims);
  if (t.float) {
    w.int(2, DT_FLOAT).string(8, t.name);
    w.bytes(9, new Uint8Array(t.float.buffer, t.float.byteOffset, t.float.byteLength));
  } else {
    w.int(2, DT_INT64).string(8, t.name);
    w.packedInts(7, t.int64 ?? []);
  }
}

function writeNode(w: ProtoWriter, node: NodeSpec, index: number): void {
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  w.string(3, `${node.opType.toLowerCase()}_${index}`).string(4, node.opType);
  for (const [name, value] of Object.entries(node.intAttributes ?? {})) {
    w.message(5, (a) => a.string(1, name).int(3, value).int(20, ATTR_INT));
  }
  for (const [name, values] of Object.entries(node.stringsAttributes ?? {})) {
    w.message(5, (a) => {
      a.string(1, name);
      for (const v of values) a.bytes(9, new TextEncoder().encode(v));
      a.int(20, ATTR_STRINGS);
    });
  }
}

function writeValueInfo(w: ProtoWriter, name: string, dims: number[]): void {
  w.string(1, name).message(2, (type) =>
    type.message(1, (tensor) =>
      tensor.int(1, DT_FLOAT).message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => dim.int(1, d));
      }),
    ),
  );
}

export interface RecurrentModel {
  bytes: Uint8Array;
  /** Names of the graph inputs and outputs, in the order a caller feeds/reads them. */
  inputs: string[];
  outputs: string[];
}

export function buildRecurrentModel(
  stack: TorchStack,
  steps: number,
  batch: number,
  carriesState = false,
): RecurrentModel {
  const { cell, hiddenSize: h, inputSize } = stack;
  const layers = stack.layers.length;
  if (carriesState && layers !== 1)
    throw new RangeError('buildRecurrentModel: state inputs are supported for one layer only');
  const isLstm = cell === 'lstm';
  const initializers: Initializer[] = [];
  const nodes: NodeSpec[] = [];
  const graphInputs: Array<[string, number[]]> = [['X', [steps, batch, inputSize]]];
  const graphOutputs: Array<[string, number[]]> = [];
  if (carriesState) {
    graphInputs.push(['H0', [1, batch, h]]);
    if (isLstm) graphInputs.push(['C0', [1, batch, h]]);
  }
  if (layers > 1) initializers.push({ name: 'squeeze_axes', dims: [1], int64: [1n] });

  let layerInput = 'X';
  for (let k = 0; k < layers; k++) {
    const inSize = k === 0 ? inputSize : h;
    const weights = onnxLayerFromTorch(stack, k);
    const g = weights.W.length / (h * inSize);
    initializers.push(
      { name: `W${k}`, dims: [1, g * h, inSize], float: weights.W },
      { name: `R${k}`, dims: [1, g * h, h], float: weights.R },
      { name: `B${k}`, dims: [1, 2 * g * h], float: weights.B },
    );
    const top = k === layers - 1;
    const y = top ? 'Y' : `Y${k}`;
    const inputs = [layerInput, `W${k}`, `R${k}`, `B${k}`, '', carriesState ? 'H0' : ''];
    const outputs = [y];
    if (carriesState) {
      outputs.push('HN');
      if (isLstm) {
        inputs.push('C0');
        outputs.push('CN');
      }
    }
    const intAttributes: Record<string, number> = { hidden_size: h };
    if (cell === 'gru') intAttributes.linear_before_reset = 1;
    const stringsAttributes = cell === 'rnn_tanh' ? { activations: ['Tanh'] } : undefined;
    while (inputs[inputs.length - 1] === '') inputs.pop(); // trailing optional inputs are omitted
    nodes.push({ opType: OP_TYPE[cell], inputs, outputs, intAttributes, stringsAttributes });
    if (!top) {
      nodes.push({ opType: 'Squeeze', inputs: [y, 'squeeze_axes'], outputs: [`X${k + 1}`] });
      layerInput = `X${k + 1}`;
    }
  }
  graphOutputs.push(['Y', [steps, 1, batch, h]]);
  if (carriesState) {
    graphOutputs.push(['HN', [1, batch, h]]);
    if (isLstm) graphOutputs.push(['CN', [1, batch, h]]);
  }

  const model = new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, 'rnn-anomaly-bench')
    .message(7, (graph) => {
      nodes.forEach((n, i) => graph.message(1, (w) => writeNode(w, n, i)));
      graph.string(2, `${cell}_stack`);
      for (const t of initializers) graph.message(5, (w) => writeTensor(w, t));
      for (const [name, dims] of graphInputs) graph.message(11, (w) => writeValueInfo(w, name, dims));
      for (const [name, dims] of graphOutputs) graph.message(12, (w) => writeValueInfo(w, name, dims));
    })
    .message(8, (opset) => opset.string(1, '').int(2, OPSET));
  return { bytes: model.finish(), inputs: graphInputs.map(([n]) => n), outputs: graphOutputs.map(([n]) => n) };
}
