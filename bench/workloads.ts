/**
 * The five benchmark workloads of issue 5 and their FLOP counts. Everything else in the bench
 * (TypeScript peers and the C++ benches, which receive these numbers on their command line)
 * reads the shapes from here, so a workload is defined exactly once.
 */

export type CellKind = 'gru' | 'lstm' | 'rnn_tanh';

/**
 * What one measured call does:
 * - `step`: one streaming timestep from JavaScript, state carried between calls (latency).
 * - `infer`: sequence forward without a training tape.
 * - `fwdbwd`: sequence forward with a tape, then BPTT (all parameter and input gradients).
 * - `train`: one full training step: forward, BPTT, dense head H -> D on the last hidden
 *   state, MSE loss, Adam update.
 */
export type Mode = 'step' | 'infer' | 'fwdbwd' | 'train';

export interface Workload {
  id: 'W1' | 'W2' | 'W3' | 'W4' | 'W5';
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  layers: number;
  steps: number;
  batch: number;
  modes: Mode[];
  description: string;
}

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'W1',
    cell: 'gru',
    inputSize: 8,
    hiddenSize: 64,
    layers: 1,
    steps: 1,
    batch: 1,
    modes: ['step'],
    description: 'GRU streaming step from JavaScript, state carried',
  },
  {
    id: 'W2',
    cell: 'gru',
    inputSize: 16,
    hiddenSize: 64,
    layers: 2,
    steps: 64,
    batch: 256,
    modes: ['infer'],
    description: 'GRU 2-layer inference',
  },
  {
    id: 'W3',
    cell: 'gru',
    inputSize: 16,
    hiddenSize: 64,
    layers: 2,
    steps: 64,
    batch: 32,
    modes: ['train'],
    description: 'GRU 2-layer training step with dense head, MSE and Adam',
  },
  {
    id: 'W4',
    cell: 'lstm',
    inputSize: 32,
    hiddenSize: 256,
    layers: 1,
    steps: 100,
    batch: 64,
    modes: ['infer', 'fwdbwd'],
    description: 'LSTM inference; forward + backward',
  },
  {
    id: 'W5',
    cell: 'rnn_tanh',
    inputSize: 8,
    hiddenSize: 64,
    layers: 1,
    steps: 64,
    batch: 64,
    modes: ['infer', 'fwdbwd'],
    description: 'Elman RNN (tanh) inference; forward + backward',
  },
];

/** Gate blocks per cell: the number of H-row blocks in weight_ih / weight_hh. */
export function gatesOf(cell: CellKind): number {
  return cell === 'gru' ? 3 : cell === 'lstm' ? 4 : 1;
}

/**
 * Matrix-multiply FLOPs of a forward pass over one sequence: per layer and timestep the cell
 * multiplies a [1 x in] row by a [in x G*H] matrix and a [1 x H] row by a [H x G*H] matrix,
 * 2*G*H*(in + H) FLOPs (one multiply and one add per weight). Gate nonlinearities and
 * elementwise updates are O(G*H) per step, under 3% of the total for these shapes, and are not
 * counted, so GFLOP/s figures are comparable with a GEMM's.
 */
export function forwardFlopsPerSequence(w: Workload): number {
  const g = gatesOf(w.cell);
  let perStep = 0;
  for (let layer = 0; layer < w.layers; layer++) {
    const inSize = layer === 0 ? w.inputSize : w.hiddenSize;
    perStep += 2 * g * w.hiddenSize * (inSize + w.hiddenSize);
  }
  return perStep * w.steps;
}

/**
 * FLOPs of one measured call per sequence. Backward costs two forward-sized products per
 * weight matrix (input/state gradients through W^T and the weight gradient dG^T x), so
 * forward + backward = 3x forward. The training step adds the dense head (forward 2*H*D,
 * backward 4*H*D per sequence); the Adam update is per parameter, not per sequence, and is
 * left out.
 */
export function flopsPerSequence(w: Workload, mode: Mode): number {
  const fwd = forwardFlopsPerSequence(w);
  switch (mode) {
    case 'step':
    case 'infer':
      return fwd;
    case 'fwdbwd':
      return 3 * fwd;
    case 'train':
      return 3 * fwd + 6 * w.hiddenSize * w.inputSize;
  }
}

/** Sequences processed by one measured call. */
export function sequencesPerCall(w: Workload): number {
  return w.batch;
}

export function workloadById(id: string): Workload | undefined {
  return WORKLOADS.find((w) => w.id === id);
}
