import type { ErrorCode } from '../core/errors.js';

/**
 * Everything the compiled addon (`build/Release/rnnad.node`) exports, typed. The TypeScript
 * wrappers validate arguments before calling in; the addon validates again and throws (or
 * rejects with) the library's own error classes, handed to it by setErrorClasses. Typed arrays
 * are read and written in place, never copied; async calls hold references to their arrays until
 * the job settles.
 */

export type NativeCell = 0 | 1 | 2 | 3; // rnn tanh, rnn relu, gru, lstm (rnnad::Cell)

export interface NativeStackConfig {
  cell: NativeCell;
  resetAfter: boolean;
  inputSize: number;
  hiddenSize: number;
  layers: number;
}

export interface NativeParamSlot {
  name: string;
  offset: number;
  length: number;
  rows: number;
  cols: number;
}

/** Sequence forward; the output arrays are allocated by the caller. */
export interface NativeForwardArgs {
  x: Float32Array;
  batch: number;
  steps: number;
  h0: Float32Array | null;
  c0: Float32Array | null;
  y: Float32Array;
  hN: Float32Array;
  cN: Float32Array | null;
  train: boolean;
}

export interface NativeBackwardArgs {
  dY: Float32Array | null;
  dHN: Float32Array | null;
  dCN: Float32Array | null;
  dX: Float32Array;
  dH0: Float32Array;
  dC0: Float32Array | null;
  dParams: Float32Array;
}

export interface NativeRecurrentStack {
  readonly paramCount: number;
  paramSlots(): NativeParamSlot[];
  /** Copies the flat parameter buffer into `out`. */
  getParams(out: Float32Array): void;
  setParams(flat: Float32Array): void;
  setParam(offset: number, values: Float32Array): void;
  tapeBytes(batch: number, steps: number): number;
  forward(args: NativeForwardArgs): void;
  forwardAsync(args: NativeForwardArgs): Promise<void>;
  /** After forward with train: true. */
  backward(args: NativeBackwardArgs): void;
  backwardAsync(args: NativeBackwardArgs): Promise<void>;
  /** Single step: h/c [layers][batch][H] updated in place; y [batch][H] or null. */
  step(
    x: Float32Array,
    batch: number,
    rowsPerInput: number,
    h: Float32Array,
    c: Float32Array | null,
    y: Float32Array | null,
  ): void;
  /** A stepper whose carried state lives in native memory (the streaming fast path). */
  makeStepper(batch: number): NativeStepper;
}

export interface NativeStepper {
  readonly batch: number;
  /** x [batch][inputSize]; out [batch][hidden] receives the top layer's new state. */
  step(x: Float32Array, out: Float32Array | null): void;
  getState(h: Float32Array, c: Float32Array | null): void;
  setState(h: Float32Array, c: Float32Array | null): void;
  reset(): void;
}

export interface NativeModelConfig extends NativeStackConfig {
  mode: 0 | 1; // forecast, reconstruct
  outputSize: number;
}

export interface NativeTrainConfig {
  optimizer: 0 | 1; // adam, sgd
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  clipNorm: number;
}

export interface NativeTrainResult {
  loss: number;
  gradNorm: number;
}

export interface NativeStream {
  readonly streams: number;
  readonly steps: number;
  /** ids null = every stream in order. out [count * outLen], ready [count]. */
  push(x: Float32Array, ids: Int32Array | null, out: Float32Array, ready: Uint8Array): void;
  reset(streamId: number): void;
}

export interface NativeAnomalyModel {
  readonly paramCount: number;
  paramSlots(): NativeParamSlot[];
  getParams(out: Float32Array): void;
  setParams(flat: Float32Array): void;
  predict(x: Float32Array, batch: number, steps: number, out: Float32Array): void;
  predictAsync(x: Float32Array, batch: number, steps: number, out: Float32Array): Promise<void>;
  loss(x: Float32Array, target: Float32Array | null, batch: number, steps: number): number;
  lossAsync(x: Float32Array, target: Float32Array | null, batch: number, steps: number): Promise<number>;
  gradient(x: Float32Array, target: Float32Array | null, batch: number, steps: number, grads: Float32Array): number;
  trainStep(
    x: Float32Array,
    target: Float32Array | null,
    batch: number,
    steps: number,
    config: NativeTrainConfig,
  ): NativeTrainResult;
  trainStepAsync(
    x: Float32Array,
    target: Float32Array | null,
    batch: number,
    steps: number,
    config: NativeTrainConfig,
  ): Promise<NativeTrainResult>;
  resetOptimizer(): void;
  readonly optimizerStep: number;
  getOptimizerState(out: Float32Array): void;
  setOptimizerState(state: Float32Array, step: number): void;
  makeStream(streams: number, steps: number): NativeStream;
}

/** The library's error classes the addon constructs its errors from (src/errors.ts). */
export interface NativeErrorClasses {
  InvalidArgumentError: new (message: string, code: ErrorCode) => Error;
  OutOfRangeError: new (message: string, code: ErrorCode) => Error;
  NotFittedError: new (message: string) => Error;
  NativeError: new (message: string, code: 'ERR_BUSY' | 'ERR_OUT_OF_MEMORY' | 'ERR_NATIVE') => Error;
}

export interface NativeAddon {
  /** Called once right after loading: from then on every error the addon throws or rejects with is one of these. */
  setErrorClasses(classes: NativeErrorClasses): void;
  RecurrentStack: new (config: NativeStackConfig) => NativeRecurrentStack;
  AnomalyModel: new (config: NativeModelConfig) => NativeAnomalyModel;
  setThreads(n: number): void;
  threads(): number;
  activeIsa(): string;
  supportedIsas(): string[];
  /** Why RNN_ANOMALY_ISA was not honoured (empty when it was, or is unset). */
  isaSelectionNote(): string;
  forceIsa(name: string): void;
  gatherWindows(series: Float32Array, columns: number, starts: Int32Array, steps: number, out: Float32Array): void;
}
