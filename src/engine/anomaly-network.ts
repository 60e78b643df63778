import { InvalidArgumentError } from '../core/errors.js';
import { checkFloat32Array, checkInteger, checkNumber, describeValue } from '../core/argument-checks.js';
import { checkApart, sharesMemory } from './buffer-overlap.js';
import { LIMITS } from './limits.js';
import {
  resolveStackSpec,
  toNativeStackConfig,
  type CellType,
  type Nonlinearity,
  type ResolvedStackSpec,
} from './cell-spec.js';
import { native } from './native.js';
import type { NativeAnomalyModel, NativeStream, NativeTrainConfig } from './native-types.js';
import { ParameterizedNetwork } from './parameters.js';

export type NetworkMode = 'forecast' | 'reconstruct';
/** 'point': one value per output; 'gaussian': a mean and a log-variance per output. */
export type HeadKind = 'point' | 'gaussian';
export const HEAD_KINDS: readonly HeadKind[] = ['point', 'gaussian'];

export interface NetworkSpec {
  cell: CellType;
  nonlinearity?: Nonlinearity;
  resetAfter?: boolean;
  inputSize: number;
  hiddenSize: number;
  layers: number;
  mode: NetworkMode;
  /** forecast: horizon * targets; reconstruct: must equal inputSize. */
  outputSize: number;
  /**
   * Forecast only. 'gaussian' doubles the head: predict returns the outputSize means, then their
   * log-variances, and training minimises the Gaussian negative log-likelihood. Default 'point'.
   */
  head?: HeadKind;
  /** Gaussian head: variance floor added to exp(log-variance), >= 0. Default 1e-4. */
  varianceFloor?: number;
  /** Forecast only, training only: dropout rate on the input window, in [0, 0.9]. Default 0. */
  inputDropout?: number;
  /** Forecast only, training only: dropout rate on every layer's output (between layers, into the head). Default 0. */
  dropout?: number;
}

export interface ResolvedNetworkSpec extends ResolvedStackSpec {
  mode: NetworkMode;
  outputSize: number;
  head: HeadKind;
  varianceFloor: number;
  inputDropout: number;
  dropout: number;
}

const DEFAULT_VARIANCE_FLOOR = 1e-4;

export interface OptimizerSpec {
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** SGD momentum (PyTorch convention). */
  momentum?: number;
  /** Global-norm gradient clipping; 0 or undefined = off. */
  clipNorm?: number;
}

export interface TrainStepResult {
  /** MSE before the update. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export interface OptimizerState {
  step: number;
  /** Adam: m then v; SGD: velocity then zeros. Length 2 * paramCount. */
  moments: Float32Array;
}

/**
 * A recurrent stack plus a dense head trained end to end in native code: forecasting (the head
 * reads the top layer's last output) or a sequence autoencoder (encoder, decoder fed the
 * encoder's final state at every step, head per step). One training step - forward, BPTT, MSE,
 * clipping and the optimizer update - is one native call.
 */
export class AnomalyNetwork extends ParameterizedNetwork<NativeAnomalyModel> {
  readonly spec: Readonly<ResolvedNetworkSpec>;

  constructor(spec: NetworkSpec, seed = 0) {
    const stack = resolveStackSpec(spec, 'spec');
    if (spec.mode !== 'forecast' && spec.mode !== 'reconstruct') {
      throw new InvalidArgumentError(`spec.mode must be 'forecast' or 'reconstruct', got ${describeValue(spec.mode)}`);
    }
    const outputSize = checkInteger('spec.outputSize', spec.outputSize, 1, LIMITS.features);
    if (spec.mode === 'reconstruct' && outputSize !== stack.inputSize) {
      throw new InvalidArgumentError(
        `spec.outputSize must equal spec.inputSize (${stack.inputSize}) in reconstruct mode, got ${outputSize}`,
      );
    }
    checkInteger('seed', seed, 0, 2 ** 32 - 1);
    const head = spec.head ?? 'point';
    if (head !== 'point' && head !== 'gaussian')
      throw new InvalidArgumentError(`spec.head must be 'point' or 'gaussian', got ${describeValue(head)}`);
    const varianceFloor = checkNumber('spec.varianceFloor', spec.varianceFloor ?? DEFAULT_VARIANCE_FLOOR, 0, 1e6);
    const inputDropout = checkNumber('spec.inputDropout', spec.inputDropout ?? 0, 0, 0.9);
    const dropout = checkNumber('spec.dropout', spec.dropout ?? 0, 0, 0.9);
    if (spec.mode === 'reconstruct' && (head !== 'point' || inputDropout > 0 || dropout > 0)) {
      throw new InvalidArgumentError(
        "spec.head 'gaussian', spec.dropout and spec.inputDropout apply to mode 'forecast' only",
      );
    }
    super(
      new (native().AnomalyModel)({
        ...toNativeStackConfig(stack),
        mode: spec.mode === 'forecast' ? 0 : 1,
        outputSize,
        head: head === 'gaussian' ? 1 : 0,
        varianceFloor,
        inputDropout,
        dropout,
        dropoutSeed: seed,
      }),
      stack.hiddenSize,
      seed,
    );
    this.spec = Object.freeze({ ...stack, mode: spec.mode, outputSize, head, varianceFloor, inputDropout, dropout });
  }

  /** The spec that builds this network again (model files, copies). */
  toSpec(): NetworkSpec {
    const s = this.spec;
    return {
      cell: s.cell,
      ...(s.cell === 'rnn' ? { nonlinearity: s.nonlinearity } : {}),
      resetAfter: s.resetAfter,
      inputSize: s.inputSize,
      hiddenSize: s.hiddenSize,
      layers: s.layers,
      mode: s.mode,
      outputSize: s.outputSize,
      ...(s.mode === 'forecast'
        ? { head: s.head, varianceFloor: s.varianceFloor, dropout: s.dropout, inputDropout: s.inputDropout }
        : {}),
    };
  }

  /** An independent copy with the same parameters and a fresh optimizer; `seed` seeds its dropout masks. */
  copy(seed = 0): AnomalyNetwork {
    const twin = new AnomalyNetwork(this.toSpec(), seed);
    twin.setFlatParameters(this.getFlatParameters());
    return twin;
  }

  /** Floats per window in predict's output (Gaussian head: the means, then the log-variances). */
  outputLength(steps: number): number {
    if (this.spec.mode === 'reconstruct') return steps * this.spec.inputSize;
    return this.spec.head === 'gaussian' ? 2 * this.spec.outputSize : this.spec.outputSize;
  }

  predict(x: Float32Array, batch: number, steps: number): Float32Array {
    this.checkBatch(x, batch, steps);
    const out = new Float32Array(batch * this.outputLength(steps));
    this.handle.predict(x, batch, steps, out);
    return out;
  }

  async predictAsync(x: Float32Array, batch: number, steps: number): Promise<Float32Array> {
    this.checkBatch(x, batch, steps);
    const out = new Float32Array(batch * this.outputLength(steps));
    await this.handle.predictAsync(x, batch, steps, out);
    return out;
  }

  loss(x: Float32Array, target: Float32Array | null, batch: number, steps: number): number {
    this.checkBatch(x, batch, steps, target);
    return this.handle.loss(x, target, batch, steps);
  }

  lossAsync(x: Float32Array, target: Float32Array | null, batch: number, steps: number): Promise<number> {
    this.checkBatch(x, batch, steps, target);
    return this.handle.lossAsync(x, target, batch, steps);
  }

  /**
   * Gradient of the loss (flat, parameter layout) without updating; returns the loss. `grads`,
   * when given, must not share memory with x or target.
   */
  gradient(
    x: Float32Array,
    target: Float32Array | null,
    batch: number,
    steps: number,
    grads?: Float32Array,
  ): { loss: number; grads: Float32Array } {
    this.checkBatch(x, batch, steps, target);
    const g = grads
      ? checkFloat32Array('grads', grads, this.handle.paramCount)
      : new Float32Array(this.handle.paramCount);
    checkApart('grads', g, 'x', x);
    checkApart('grads', g, 'target', target);
    return { loss: this.handle.gradient(x, target, batch, steps, g), grads: g };
  }

  trainStep(
    x: Float32Array,
    target: Float32Array | null,
    batch: number,
    steps: number,
    opt: OptimizerSpec,
  ): TrainStepResult {
    this.checkBatch(x, batch, steps, target);
    return this.handle.trainStep(x, target, batch, steps, toNativeTrainConfig(opt));
  }

  trainStepAsync(
    x: Float32Array,
    target: Float32Array | null,
    batch: number,
    steps: number,
    opt: OptimizerSpec,
  ): Promise<TrainStepResult> {
    this.checkBatch(x, batch, steps, target);
    return this.handle.trainStepAsync(x, target, batch, steps, toNativeTrainConfig(opt));
  }

  resetOptimizer(): void {
    this.handle.resetOptimizer();
  }

  getOptimizerState(): OptimizerState {
    const moments = new Float32Array(2 * this.handle.paramCount);
    this.handle.getOptimizerState(moments);
    return { step: this.handle.optimizerStep, moments };
  }

  setOptimizerState(state: OptimizerState): void {
    checkInteger('state.step', state?.step, 0, Number.MAX_SAFE_INTEGER);
    this.handle.setOptimizerState(
      checkFloat32Array('state.moments', state.moments, 2 * this.handle.paramCount),
      state.step,
    );
  }

  /**
   * Streaming: `steps` staggered windows per stream advance with every point, so each push
   * completes one window whose output equals predict() on the last `steps` points.
   */
  openStream(streams: number, steps: number): NetworkStream {
    checkInteger('streams', streams, 1, LIMITS.streams);
    checkInteger('steps', steps, 1, LIMITS.steps);
    return new NetworkStream(this.handle.makeStream(streams, steps), this.spec.inputSize, this.outputLength(steps));
  }

  private checkBatch(x: Float32Array, batch: number, steps: number, target?: Float32Array | null): void {
    checkInteger('batch', batch, 1, LIMITS.batch);
    checkInteger('steps', steps, 1, LIMITS.steps);
    checkFloat32Array('x', x, batch * steps * this.spec.inputSize);
    if (target === undefined) return;
    if (this.spec.mode === 'forecast') checkFloat32Array('target', target, batch * this.spec.outputSize);
    else if (target !== null)
      throw new InvalidArgumentError('target must be null in reconstruct mode (the window itself is the target)');
  }
}

/** One native stream set; output buffers are reused between pushes (copy what you keep). */
export class NetworkStream {
  readonly streams: number;
  readonly steps: number;
  private readonly outAll: Float32Array;
  private readonly readyAll: Uint8Array;

  constructor(
    private readonly handle: NativeStream,
    private readonly inputSize: number,
    readonly outputLength: number,
  ) {
    this.streams = handle.streams;
    this.steps = handle.steps;
    this.outAll = new Float32Array(this.streams * outputLength);
    this.readyAll = new Uint8Array(this.streams);
  }

  /**
   * x [count][inputSize]; ids lists the streams (default: all, in order). Neither may be a view
   * of the `out` or `ready` arrays a push returns: the next push overwrites those while it reads
   * its input.
   */
  push(x: Float32Array, ids?: Int32Array): { out: Float32Array; ready: Uint8Array } {
    const count = ids ? ids.length : this.streams;
    checkFloat32Array('x', x, count * this.inputSize);
    this.checkNotOwnOutput('x', x);
    if (ids) this.checkNotOwnOutput('ids', ids);
    const out = count === this.streams ? this.outAll : this.outAll.subarray(0, count * this.outputLength);
    const ready = count === this.streams ? this.readyAll : this.readyAll.subarray(0, count);
    this.handle.push(x, ids ?? null, out, ready);
    return { out, ready };
  }

  reset(streamId: number): void {
    this.handle.reset(checkInteger('streamId', streamId, 0, this.streams - 1));
  }

  private checkNotOwnOutput(name: string, input: ArrayBufferView): void {
    if (sharesMemory(input, this.outAll) || sharesMemory(input, this.readyAll)) {
      throw new InvalidArgumentError(
        `${name} must not share memory with the out or ready arrays of an earlier push ` +
          '(the next push overwrites them while reading its input): copy them first',
      );
    }
  }

  /**
   * Releases this object's native memory now instead of when the garbage collector finalizes it.
   * Idempotent; later calls throw a NativeError with code ERR_DISPOSED. The network it came from is
   * unaffected.
   */
  dispose(): void {
    this.handle.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function toNativeTrainConfig(opt: OptimizerSpec): NativeTrainConfig {
  if (typeof opt !== 'object' || opt === null)
    throw new InvalidArgumentError(`optimizer options must be an object, got ${describeValue(opt)}`);
  if (opt.optimizer !== 'adam' && opt.optimizer !== 'sgd') {
    throw new InvalidArgumentError(`optimizer must be 'adam' or 'sgd', got ${describeValue(opt.optimizer)}`);
  }
  return {
    optimizer: opt.optimizer === 'adam' ? 0 : 1,
    lr: checkNumber('learningRate', opt.learningRate, 0, 1e6, true),
    beta1: checkNumber('beta1', opt.beta1 ?? 0.9, 0, 0.999999),
    beta2: checkNumber('beta2', opt.beta2 ?? 0.999, 0, 0.99999999),
    eps: checkNumber('eps', opt.eps ?? 1e-8, 0, 1, true),
    weightDecay: checkNumber('weightDecay', opt.weightDecay ?? 0, 0, 1e6),
    momentum: checkNumber('momentum', opt.momentum ?? 0, 0, 0.999999),
    clipNorm: checkNumber('clipNorm', opt.clipNorm ?? 0, 0, 1e12),
  };
}
