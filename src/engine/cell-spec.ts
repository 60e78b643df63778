import { InvalidArgumentError } from '../core/errors.js';
import { checkInteger, describeValue } from '../core/argument-checks.js';
import { LIMITS } from './limits.js';
import type { NativeCell, NativeStackConfig } from './native-types.js';

export type CellType = 'rnn' | 'gru' | 'lstm';
export type Nonlinearity = 'tanh' | 'relu';

/** A recurrent stack's shape, in the names PyTorch's nn.RNN / nn.GRU / nn.LSTM use. */
export interface StackSpec {
  cell: CellType;
  inputSize: number;
  hiddenSize: number;
  layers?: number;
  /** Vanilla RNN only (default 'tanh'). */
  nonlinearity?: Nonlinearity;
  /** GRU only: true (default) = PyTorch/cuDNN/ONNX/Keras-TF2 form, false = tfjs/Keras reset_after=false. */
  resetAfter?: boolean;
}

export interface ResolvedStackSpec {
  cell: CellType;
  inputSize: number;
  hiddenSize: number;
  layers: number;
  nonlinearity: Nonlinearity;
  resetAfter: boolean;
}

const CELLS: readonly CellType[] = ['rnn', 'gru', 'lstm'];

export function resolveStackSpec(spec: unknown, name = 'config'): ResolvedStackSpec {
  if (typeof spec !== 'object' || spec === null) {
    throw new InvalidArgumentError(
      `${name} must be an object like { cell: 'gru', inputSize, hiddenSize, layers }, got ${describeValue(spec)}`,
    );
  }
  const s = spec as Record<string, unknown>;
  if (!CELLS.includes(s.cell as CellType)) {
    throw new InvalidArgumentError(`${name}.cell must be one of 'rnn', 'gru', 'lstm', got ${describeValue(s.cell)}`);
  }
  const cell = s.cell as CellType;
  const nonlinearity = s.nonlinearity ?? 'tanh';
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
    throw new InvalidArgumentError(`${name}.nonlinearity must be 'tanh' or 'relu', got ${describeValue(nonlinearity)}`);
  }
  if (s.nonlinearity !== undefined && cell !== 'rnn') {
    throw new InvalidArgumentError(`${name}.nonlinearity applies to cell 'rnn' only, not '${cell}'`);
  }
  const resetAfter = s.resetAfter ?? true;
  if (typeof resetAfter !== 'boolean') {
    throw new InvalidArgumentError(`${name}.resetAfter must be a boolean, got ${describeValue(resetAfter)}`);
  }
  return {
    cell,
    inputSize: checkInteger(`${name}.inputSize`, s.inputSize, 1, LIMITS.features),
    hiddenSize: checkInteger(`${name}.hiddenSize`, s.hiddenSize, 1, LIMITS.hidden),
    layers: checkInteger(`${name}.layers`, s.layers ?? 1, 1, LIMITS.layers),
    nonlinearity,
    resetAfter,
  };
}

export function nativeCell(spec: ResolvedStackSpec): NativeCell {
  if (spec.cell === 'rnn') return spec.nonlinearity === 'relu' ? 1 : 0;
  return spec.cell === 'gru' ? 2 : 3;
}

export function toNativeStackConfig(spec: ResolvedStackSpec): NativeStackConfig {
  return {
    cell: nativeCell(spec),
    resetAfter: spec.resetAfter,
    inputSize: spec.inputSize,
    hiddenSize: spec.hiddenSize,
    layers: spec.layers,
  };
}
