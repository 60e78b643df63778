import { InvalidArgumentError, NotFittedError } from '../errors.js';
import { checkFloat32Array, checkInteger, checkOptionalFloat32Array, describeValue } from '../argument-checks.js';
import { LIMITS } from './limits.js';
import { resolveStackSpec, toNativeStackConfig, type ResolvedStackSpec, type StackSpec } from './cell-spec.js';
import { native } from './native.js';
import type { NativeBackwardArgs, NativeForwardArgs, NativeRecurrentStack, NativeStepper } from './native-types.js';
import { ParameterizedNetwork, splitParameters, type ParameterMap } from './parameters.js';

export interface ForwardOptions {
  batch: number;
  steps: number;
  /** Initial hidden states [layers][batch][hidden]; zeros when omitted. */
  h0?: Float32Array | null;
  /** LSTM initial cell states [layers][batch][hidden]. */
  c0?: Float32Array | null;
  /** Keep what backward needs (see tapeBytes). */
  train?: boolean;
}

export interface ForwardResult {
  /** Top layer's outputs [batch][steps][hidden]. */
  output: Float32Array;
  /** Final hidden states [layers][batch][hidden]. */
  hN: Float32Array;
  /** LSTM final cell states [layers][batch][hidden]. */
  cN?: Float32Array;
}

export interface BackwardOptions {
  /** d(loss)/d(output) [batch][steps][hidden]; zeros when omitted. */
  dOutput?: Float32Array | null;
  /** d(loss)/d(hN) [layers][batch][hidden]. */
  dHN?: Float32Array | null;
  /** LSTM: d(loss)/d(cN). */
  dCN?: Float32Array | null;
}

export interface BackwardResult {
  dInput: Float32Array;
  dH0: Float32Array;
  dC0?: Float32Array;
  /** Gradients of every parameter, PyTorch names and layouts. */
  params: ParameterMap;
}

/** Carried state of `batch` independent streams for `step`. */
export interface StepState {
  batch: number;
  /** [layers][batch][hidden], updated in place. */
  h: Float32Array;
  /** LSTM only: [layers][batch][hidden], updated in place. */
  c: Float32Array | null;
}

/**
 * A stack of recurrent layers with PyTorch's parameter names, layouts and gate order (GRU r,z,n;
 * LSTM i,f,g,o), batch-major input [batch][steps][inputSize]. Forward, backward through time
 * and a single streaming step run in native code; arrays are passed to it without copies.
 */
export class RecurrentStack extends ParameterizedNetwork<NativeRecurrentStack> {
  readonly config: Readonly<ResolvedStackSpec>;
  private tape: { batch: number; steps: number } | null = null;

  constructor(spec: StackSpec & { seed?: number }) {
    const config = Object.freeze(resolveStackSpec(spec));
    const seed = spec.seed === undefined ? 0 : checkInteger('config.seed', spec.seed, 0, 2 ** 32 - 1);
    super(new (native().RecurrentStack)(toNativeStackConfig(config)), config.hiddenSize, seed);
    this.config = config;
  }

  protected override parametersChanged(): void {
    this.tape = null;
  }

  /** Bytes the training tape holds for a forward with train: true of this size. */
  tapeBytes(batch: number, steps: number): number {
    return this.handle.tapeBytes(checkInteger('batch', batch, 1, LIMITS.batch), checkInteger('steps', steps, 1, LIMITS.steps));
  }

  forward(x: Float32Array, options: ForwardOptions): ForwardResult {
    const { args, result } = this.prepareForward(x, options);
    this.handle.forward(args);
    this.tape = args.train ? { batch: args.batch, steps: args.steps } : null;
    return result;
  }

  async forwardAsync(x: Float32Array, options: ForwardOptions): Promise<ForwardResult> {
    const { args, result } = this.prepareForward(x, options);
    this.tape = null;
    await this.handle.forwardAsync(args);
    if (args.train) this.tape = { batch: args.batch, steps: args.steps };
    return result;
  }

  backward(options: BackwardOptions = {}): BackwardResult {
    const { args, result } = this.prepareBackward(options);
    this.handle.backward(args);
    result.params = splitParameters(args.dParams, this.parameterSlots());
    return result;
  }

  async backwardAsync(options: BackwardOptions = {}): Promise<BackwardResult> {
    const { args, result } = this.prepareBackward(options);
    await this.handle.backwardAsync(args);
    result.params = splitParameters(args.dParams, this.parameterSlots());
    return result;
  }

  /** Fresh zero state for `batch` streams. */
  createState(batch = 1): StepState {
    checkInteger('batch', batch, 1, LIMITS.batch);
    const n = this.config.layers * batch * this.config.hiddenSize;
    return { batch, h: new Float32Array(n), c: this.config.cell === 'lstm' ? new Float32Array(n) : null };
  }

  /**
   * One timestep for every stream in `state`: x [batch][inputSize]; the state is updated in
   * place. Writes the top layer's new hidden state into `out` ([batch][hidden]) when given.
   * Synchronous and allocation-free: the streaming fast path.
   */
  step(x: Float32Array, state: StepState, out?: Float32Array): void {
    this.handle.step(x, state.batch, 1, state.h, state.c, out ?? null);
  }

  /**
   * A stepper for `batch` streams whose carried state lives in native memory: each call parses
   * only the input and output arrays, the fastest way to score one point at a time.
   */
  createStepper(batch = 1): Stepper {
    checkInteger('batch', batch, 1, LIMITS.batch);
    return new Stepper(this.handle.makeStepper(batch), this.config);
  }

  private prepareForward(x: Float32Array, options: ForwardOptions): { args: NativeForwardArgs; result: ForwardResult } {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(`forward options must be an object { batch, steps, h0?, c0?, train? }, got ${describeValue(options)}`);
    }
    const { inputSize, hiddenSize, layers, cell } = this.config;
    const batch = checkInteger('batch', options.batch, 1, LIMITS.batch);
    const steps = checkInteger('steps', options.steps, 1, LIMITS.steps);
    checkFloat32Array('x', x, batch * steps * inputSize);
    const stateLen = layers * batch * hiddenSize;
    const h0 = checkOptionalFloat32Array('h0', options.h0, stateLen);
    if (cell !== 'lstm' && options.c0 != null) throw new InvalidArgumentError(`c0 is only accepted by an lstm stack, this one is '${cell}'`);
    const c0 = cell === 'lstm' ? checkOptionalFloat32Array('c0', options.c0, stateLen) : null;
    if (options.train !== undefined && typeof options.train !== 'boolean') {
      throw new InvalidArgumentError(`train must be a boolean, got ${describeValue(options.train)}`);
    }
    const result: ForwardResult = {
      output: new Float32Array(batch * steps * hiddenSize),
      hN: new Float32Array(stateLen),
    };
    if (cell === 'lstm') result.cN = new Float32Array(stateLen);
    const args: NativeForwardArgs = {
      x, batch, steps, h0, c0, y: result.output, hN: result.hN, cN: result.cN ?? null, train: options.train === true,
    };
    return { args, result };
  }

  private prepareBackward(options: BackwardOptions): { args: NativeBackwardArgs; result: BackwardResult } {
    if (!this.tape) {
      throw new NotFittedError('backward needs a forward call with { train: true } first (setting parameters since then discards it)');
    }
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(`backward options must be an object { dOutput?, dHN?, dCN? }, got ${describeValue(options)}`);
    }
    const { batch, steps } = this.tape;
    const { inputSize, hiddenSize, layers, cell } = this.config;
    const stateLen = layers * batch * hiddenSize;
    const dY = checkOptionalFloat32Array('dOutput', options.dOutput, batch * steps * hiddenSize);
    const dHN = checkOptionalFloat32Array('dHN', options.dHN, stateLen);
    if (cell !== 'lstm' && options.dCN != null) throw new InvalidArgumentError(`dCN is only accepted by an lstm stack, this one is '${cell}'`);
    const dCN = cell === 'lstm' ? checkOptionalFloat32Array('dCN', options.dCN, stateLen) : null;
    const result: BackwardResult = {
      dInput: new Float32Array(batch * steps * inputSize),
      dH0: new Float32Array(stateLen),
      params: {},
    };
    if (cell === 'lstm') result.dC0 = new Float32Array(stateLen);
    const args: NativeBackwardArgs = {
      dY, dHN, dCN, dX: result.dInput, dH0: result.dH0, dC0: result.dC0 ?? null,
      dParams: new Float32Array(this.handle.paramCount),
    };
    return { args, result };
  }
}

/** Streams stepped one point at a time with their state carried natively (see createStepper). */
export class Stepper {
  readonly batch: number;

  constructor(
    private readonly handle: NativeStepper,
    private readonly config: Readonly<ResolvedStackSpec>,
  ) {
    this.batch = handle.batch;
  }

  /** x [batch][inputSize]; writes the top layer's new hidden state into out ([batch][hidden]). */
  step(x: Float32Array, out?: Float32Array): void {
    this.handle.step(x, out ?? null);
  }

  /** Copies of the carried state, [layers][batch][hidden]. */
  getState(): { h: Float32Array; c?: Float32Array } {
    const n = this.config.layers * this.batch * this.config.hiddenSize;
    const h = new Float32Array(n);
    const c = this.config.cell === 'lstm' ? new Float32Array(n) : null;
    this.handle.getState(h, c);
    return c ? { h, c } : { h };
  }

  setState(h: Float32Array, c?: Float32Array): void {
    const n = this.config.layers * this.batch * this.config.hiddenSize;
    checkFloat32Array('h', h, n);
    if (this.config.cell === 'lstm') checkFloat32Array('c', c, n);
    this.handle.setState(h, c ?? null);
  }

  /** Back to zero state. */
  reset(): void {
    this.handle.reset();
  }
}
