/**
 * TensorFlow.js 4.22 (tfjs-layers over the `cpu` or the `wasm` backend) as a peer. tfjs's GRU is
 * reset-before only (its GRUCell rejects resetAfter), so its GRU rows run against our
 * `resetAfter: false`. Recurrent activations are set to the logistic sigmoid (tfjs defaults to
 * hardSigmoid) so that every peer computes the same function. Both backends run on one thread
 * in Node: the cpu backend is plain JavaScript and the wasm backend loads its SIMD,
 * single-threaded binary (multithreaded wasm needs a browser's cross-origin isolation).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BenchCase, Peer, PeerSession } from './peer.js';
import type { CaseData } from '../case-data.js';
import { STEP_RING } from '../case-data.js';
import { kerasLayerFromTorch, type TorchStack } from '../layouts.js';
import type { CellKind, Mode, Workload } from '../workloads.js';

export type TfjsBackend = 'cpu' | 'wasm';

const require = createRequire(import.meta.url);
const TFJS_VERSION: string = require('@tensorflow/tfjs-core/package.json').version;

async function activate(backend: TfjsBackend): Promise<void> {
  if (backend === 'wasm') {
    // A directory path, not a URL: Emscripten's Node loader reads the .wasm with fs, no network.
    const dist =
      path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    setWasmPaths(dist);
  }
  // Production mode, as a deployed model would run: no per-op debug checks, no console banner.
  tf.enableProdMode();
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialise`);
  await tf.ready();
}

/** Weights are set explicitly; zero initialisers avoid tfjs's orthogonal init, which is slow. */
const NO_INIT = { kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros' } as const;

function recurrentLayer(
  cell: CellKind,
  units: number,
  returnSequences: boolean,
  inputShape?: number[],
): tfl.layers.Layer {
  const args = { units, returnSequences, inputShape, ...NO_INIT };
  switch (cell) {
    case 'gru':
      return tfl.layers.gru({ ...args, recurrentActivation: 'sigmoid' });
    case 'lstm':
      return tfl.layers.lstm({ ...args, recurrentActivation: 'sigmoid', unitForgetBias: false });
    case 'rnn_tanh':
      return tfl.layers.simpleRNN({ ...args, activation: 'tanh' });
  }
}

function recurrentCell(
  cell: CellKind,
  units: number,
):
  | ReturnType<typeof tfl.layers.gruCell>
  | ReturnType<typeof tfl.layers.lstmCell>
  | ReturnType<typeof tfl.layers.simpleRNNCell> {
  switch (cell) {
    case 'gru':
      return tfl.layers.gruCell({ units, recurrentActivation: 'sigmoid', ...NO_INIT });
    case 'lstm':
      return tfl.layers.lstmCell({ units, recurrentActivation: 'sigmoid', unitForgetBias: false, ...NO_INIT });
    case 'rnn_tanh':
      return tfl.layers.simpleRNNCell({ units, activation: 'tanh', ...NO_INIT });
  }
}

function kerasWeights(stack: TorchStack, k: number): tf.Tensor[] {
  const inSize = k === 0 ? stack.inputSize : stack.hiddenSize;
  const cols = stack.layers[k].biasIh.length;
  const w = kerasLayerFromTorch(stack, k);
  return [
    tf.tensor2d(w.kernel, [inSize, cols]),
    tf.tensor2d(w.recurrentKernel, [stack.hiddenSize, cols]),
    tf.tensor1d(w.bias),
  ];
}

function setLayerWeights(layer: tfl.layers.Layer, stack: TorchStack, k: number): void {
  const tensors = kerasWeights(stack, k);
  layer.setWeights(tensors);
  tf.dispose(tensors);
}

/** The recurrent layers of a workload, built and given the case's weights. */
function buildStack(w: Workload, stack: TorchStack, lastReturnsSequences: boolean): tfl.layers.Layer[] {
  const layers: tfl.layers.Layer[] = [];
  for (let k = 0; k < w.layers; k++) {
    const top = k === w.layers - 1;
    const layer = recurrentLayer(w.cell, w.hiddenSize, !top || lastReturnsSequences);
    // An RNN layer creates its weights on first apply (build() alone leaves it unbuilt).
    tf.tidy(() => {
      layer.apply(tf.zeros([1, 1, k === 0 ? w.inputSize : w.hiddenSize]));
    });
    setLayerWeights(layer, stack, k);
    layers.push(layer);
  }
  return layers;
}

function applyStack(layers: tfl.layers.Layer[], x: tf.Tensor, training = false): tf.Tensor {
  let y = x;
  for (const layer of layers) y = layer.apply(y, { training }) as tf.Tensor;
  return y;
}

function trainableVariables(layers: tfl.layers.Layer[]): tf.Variable[] {
  return layers.flatMap((l) => l.trainableWeights.map((v) => v.read() as tf.Variable));
}

function inferSession(c: BenchCase, data: CaseData): PeerSession {
  const w = c.workload;
  const layers = buildStack(w, data.stack, true);
  const x = tf.tensor3d(data.x, [w.batch, w.steps, w.inputSize]);
  let last: Float32Array | null = null;
  return {
    isAsync: false,
    run: () => {
      const y = tf.tidy(() => applyStack(layers, x));
      last = y.dataSync() as Float32Array;
      y.dispose();
    },
    firstOutput: () => {
      if (!last) throw new Error('firstOutput before run');
      return last;
    },
    dispose: () => {
      x.dispose();
      layers.forEach((l) => l.dispose());
    },
  };
}

function forwardBackwardSession(c: BenchCase, data: CaseData): PeerSession {
  const w = c.workload;
  const layers = buildStack(w, data.stack, true);
  const x = tf.tensor3d(data.x, [w.batch, w.steps, w.inputSize]);
  const dOutput = tf.tensor3d(data.dOutput!, [w.batch, w.steps, w.hiddenSize]);
  const variables = trainableVariables(layers);
  return {
    isAsync: false,
    // Loss sum(y * dOutput) makes dOutput the upstream gradient of the outputs.
    run: () => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(applyStack(layers, x, true), dOutput)) as tf.Scalar,
        variables,
      );
      value.dispose();
      tf.dispose(Object.values(grads));
    },
    dispose: () => {
      tf.dispose([x, dOutput]);
      layers.forEach((l) => l.dispose());
    },
  };
}

function trainSession(c: BenchCase, data: CaseData): PeerSession {
  const w = c.workload;
  const layers = buildStack(w, data.stack, false);
  const head = tfl.layers.dense({ units: w.inputSize, kernelInitializer: 'zeros' });
  tf.tidy(() => {
    head.apply(tf.zeros([1, w.hiddenSize]));
  });
  // Head weights as PyTorch's Linear default would draw them: U(-1/sqrt(H), 1/sqrt(H)).
  const bound = 1 / Math.sqrt(w.hiddenSize);
  const headWeights = [
    tf.randomUniform([w.hiddenSize, w.inputSize], -bound, bound, 'float32', 7),
    tf.zeros([w.inputSize]),
  ];
  head.setWeights(headWeights);
  tf.dispose(headWeights);
  const all = [...layers, head];
  const variables = trainableVariables(all);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.tensor3d(data.x, [w.batch, w.steps, w.inputSize]);
  const target = tf.tensor2d(data.target!, [w.batch, w.inputSize]);
  return {
    isAsync: false,
    run: () => {
      const loss = optimizer.minimize(
        () => tf.losses.meanSquaredError(target, applyStack(all, x, true)) as tf.Scalar,
        true,
        variables,
      );
      loss?.dataSync();
      loss?.dispose();
    },
    dispose: () => {
      tf.dispose([x, target]);
      optimizer.dispose();
      all.forEach((l) => l.dispose());
    },
  };
}

/** One streaming step through a tfjs RNN cell, state tensors carried between calls. */
function stepSession(c: BenchCase, data: CaseData): PeerSession {
  const w = c.workload;
  if (w.layers !== 1) throw new Error('the tfjs streaming step is defined for one layer');
  const cell = recurrentCell(w.cell, w.hiddenSize);
  cell.build([1, w.inputSize]);
  const tensors = kerasWeights(data.stack, 0);
  cell.setWeights(tensors);
  tf.dispose(tensors);
  const stateCount = w.cell === 'lstm' ? 2 : 1;
  let states: tf.Tensor[] = Array.from({ length: stateCount }, () => tf.zeros([1, w.hiddenSize]));
  // Input tensors made up front, as for every peer: the step itself is what is timed.
  const points = Array.from({ length: STEP_RING }, (_, i) =>
    tf.tensor2d(data.x.subarray(i * w.inputSize, (i + 1) * w.inputSize), [1, w.inputSize]),
  );
  let index = 0;
  let last: Float32Array | null = null;
  return {
    isAsync: false,
    run: () => {
      const x = points[index];
      index = (index + 1) % STEP_RING;
      const next = tf.tidy(() => (cell.call([x, ...states], {}) as tf.Tensor[]).slice(1));
      tf.dispose(states);
      states = next;
      // A streaming consumer reads the new state to score the point.
      last = states[0].dataSync() as Float32Array;
    },
    firstOutput: () => {
      if (!last) throw new Error('firstOutput before run');
      return last;
    },
    dispose: () => {
      tf.dispose([...states, ...points]);
      cell.weights.forEach((v) => v.dispose());
    },
  };
}

export async function tfjsPeer(backend: TfjsBackend): Promise<Peer> {
  await activate(backend);
  return {
    id: `tfjs-${backend}`,
    label: `tfjs ${TFJS_VERSION} ${backend}`,
    unsupported: (w: Workload, mode: Mode) =>
      mode === 'step' && w.layers !== 1 ? 'streaming step measured for one layer only' : null,
    open: async (c: BenchCase, data: CaseData) => {
      switch (c.mode) {
        case 'step':
          return stepSession(c, data);
        case 'infer':
          return inferSession(c, data);
        case 'fwdbwd':
          return forwardBackwardSession(c, data);
        case 'train':
          return trainSession(c, data);
      }
    },
  };
}
