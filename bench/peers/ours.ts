/**
 * rnn-anomaly itself, measured through its public TypeScript API (src/engine): what a user of
 * the library gets, argument checks included. Sequence calls write into output arrays made once
 * per session (the `out` options), as a serving or training loop would; streaming uses a
 * Stepper. The C++ bench (bench/native/bench_kernels.cc) measures the kernels alone.
 */
import type { BenchCase, Peer, PeerSession } from './peer.js';
import { STEP_RING, type CaseData } from '../case-data.js';
import { seededUniform, torchParameterRecord } from '../layouts.js';
import type { CellKind } from '../workloads.js';
import { AnomalyNetwork, RecurrentStack, activeIsa, setThreads } from '../../src/engine/index.js';
import type { BackwardOutputs, ForwardOutputs, StackSpec } from '../../src/engine/index.js';

function stackSpec(cell: CellKind, c: BenchCase): StackSpec {
  const w = c.workload;
  const base = { inputSize: w.inputSize, hiddenSize: w.hiddenSize, layers: w.layers };
  switch (cell) {
    case 'gru':
      return { ...base, cell: 'gru', resetAfter: c.gruForm !== 'reset-before' };
    case 'lstm':
      return { ...base, cell: 'lstm' };
    case 'rnn_tanh':
      return { ...base, cell: 'rnn', nonlinearity: 'tanh' };
  }
}

function makeStack(c: BenchCase, data: CaseData): RecurrentStack {
  const net = new RecurrentStack(stackSpec(c.workload.cell, c));
  net.setParameters(torchParameterRecord(data.stack));
  return net;
}

/** Output arrays for one forward call of the workload's shape. */
function forwardOutputs(c: BenchCase): ForwardOutputs {
  const w = c.workload;
  const state = w.layers * w.batch * w.hiddenSize;
  return {
    output: new Float32Array(w.batch * w.steps * w.hiddenSize),
    hN: new Float32Array(state),
    cN: w.cell === 'lstm' ? new Float32Array(state) : null,
  };
}

function inferSession(c: BenchCase, data: CaseData): PeerSession {
  const { batch, steps } = c.workload;
  const net = makeStack(c, data);
  const out = forwardOutputs(c);
  let ran = false;
  return {
    isAsync: false,
    run: () => {
      net.forward(data.x, { batch, steps, out });
      ran = true;
    },
    firstOutput: () => {
      if (!ran) throw new Error('firstOutput before run');
      return out.output;
    },
    dispose: () => {},
  };
}

function forwardBackwardSession(c: BenchCase, data: CaseData): PeerSession {
  const w = c.workload;
  const net = makeStack(c, data);
  const dOutput = data.dOutput!;
  const out = forwardOutputs(c);
  const state = w.layers * w.batch * w.hiddenSize;
  const grads: BackwardOutputs = {
    dInput: new Float32Array(w.batch * w.steps * w.inputSize),
    dH0: new Float32Array(state),
    dC0: w.cell === 'lstm' ? new Float32Array(state) : null,
    dParams: new Float32Array(net.paramCount),
  };
  return {
    isAsync: false,
    run: () => {
      net.forward(data.x, { batch: w.batch, steps: w.steps, train: true, out });
      net.backward({ dOutput, out: grads });
    },
    dispose: () => {},
  };
}

function trainSession(c: BenchCase, data: CaseData): PeerSession {
  const w = c.workload;
  const spec = stackSpec(w.cell, c);
  const net = new AnomalyNetwork({ ...spec, layers: w.layers, mode: 'forecast', outputSize: w.inputSize });
  const record = torchParameterRecord(data.stack);
  const flat = net.getFlatParameters();
  const next = seededUniform(7);
  const bound = 1 / Math.sqrt(w.hiddenSize);
  for (const slot of net.parameterSlots()) {
    const name = slot.name.replace(/^rnn\./, '');
    if (record[name]) flat.set(record[name], slot.offset);
    else for (let i = 0; i < slot.length; i++) flat[slot.offset + i] = (2 * next() - 1) * bound;
  }
  net.setFlatParameters(flat);
  const optimizer = { optimizer: 'adam', learningRate: 1e-3 } as const;
  return {
    isAsync: false,
    run: () => {
      net.trainStep(data.x, data.target, w.batch, w.steps, optimizer);
    },
    dispose: () => {},
  };
}

/** The streaming fast path: a Stepper keeps the carried state in native memory. */
function stepSession(c: BenchCase, data: CaseData): PeerSession {
  const w = c.workload;
  const stepper = makeStack(c, data).createStepper(1);
  const out = new Float32Array(w.hiddenSize);
  // Views made up front: a streaming caller hands in the point it already holds.
  const points = Array.from({ length: STEP_RING }, (_, i) => data.x.subarray(i * w.inputSize, (i + 1) * w.inputSize));
  let index = 0;
  return {
    isAsync: false,
    run: () => {
      stepper.step(points[index]!, out);
      index = (index + 1) % STEP_RING;
    },
    firstOutput: () => out,
    dispose: () => {},
  };
}

export function oursPeer(): Peer {
  return {
    id: 'ours',
    label: `rnn-anomaly (${activeIsa()})`,
    unsupported: () => null,
    open: async (c: BenchCase, data: CaseData) => {
      setThreads(c.threads);
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
