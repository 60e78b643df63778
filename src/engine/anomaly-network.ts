import { InvalidArgumentError } from '../core/errors.js';
import { checkFloat32Array, checkInteger, checkNumber, describeValue } from '../core/argument-checks.js';
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
}

export interface ResolvedNetworkSpec extends ResolvedStackSpec {
  mode: NetworkMode;
  outputSize: number;
}

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
    super(
      new (native().AnomalyModel)({
        ...toNativeStackConfig(stack),
        mode: spec.mode === 'forecast' ? 0 : 1,
        outputSize,
      }),
      stack.hiddenSize,
      seed,
    );
    this.spec = Object.freeze({ ...stack, mode: spec.mode, outputSize });
  }

  /** Floats per window in predict's output. */
  outputLength(steps: number): number {
    return this.spec.mode === 'forecast' ? this.spec.outputSize : steps * this.spec.inputSize;
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

  /** Gradient of the loss (flat, parameter layout) without updating; returns the loss. */
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

  /** x [count][inputSize]; ids lists the streams (default: all, in order). */
  push(x: Float32Array, ids?: Int32Array): { out: Float32Array; ready: Uint8Array } {
    const count = ids ? ids.length : this.streams;
    checkFloat32Array('x', x, count * this.inputSize);
    const out = count === this.streams ? this.outAll : this.outAll.subarray(0, count * this.outputLength);
    const ready = count === this.streams ? this.readyAll : this.readyAll.subarray(0, count);
    this.handle.push(x, ids ?? null, out, ready);
    return { out, ready };
  }

  reset(streamId: number): void {
    this.handle.reset(checkInteger('streamId', streamId, 0, this.streams - 1));
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
