import { InvalidArgumentError, NotFittedError } from '../core/errors.js';
import { checkFloat32Array, checkInteger, checkOptionalFloat32Array, describeValue } from '../core/argument-checks.js';
import { checkApart, checkDisjointOutputs } from './buffer-overlap.js';
import { LIMITS } from './limits.js';
import { resolveStackSpec, toNativeStackConfig, type ResolvedStackSpec, type StackSpec } from './cell-spec.js';
import { native } from './native.js';
import type { NativeBackwardArgs, NativeForwardArgs, NativeRecurrentStack, NativeStepper } from './native-types.js';
import { ParameterizedNetwork, type ParameterMap } from './parameters.js';

export interface ForwardOptions {
  batch: number;
  steps: number;
  /** Initial hidden states [layers][batch][hidden]; zeros when omitted. */
  h0?: Float32Array | null;
  /** LSTM initial cell states [layers][batch][hidden]. */
  c0?: Float32Array | null;
  /** Keep what backward needs (see tapeBytes). */
  train?: boolean;
  /**
   * Arrays to write the results into instead of allocating new ones (a serving loop reuses
   * them call after call). The result object then holds these same arrays. They must not share
   * memory with x, h0, c0 or each other.
   */
  out?: ForwardOutputs | null;
}

/** Caller-owned destinations of a forward pass; every field is overwritten. */
export interface ForwardOutputs {
  /** [batch][steps][hidden]. */
  output: Float32Array;
  /** [layers][batch][hidden]. */
  hN: Float32Array;
  /** LSTM only (required there): [layers][batch][hidden]. */
  cN?: Float32Array | null;
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
  /**
   * Arrays to write the gradients into instead of allocating new ones; `result.params` are
   * views into `out.dParams`. They must not share memory with dOutput, dHN, dCN or each other.
   */
  out?: BackwardOutputs | null;
}

/** Caller-owned destinations of a backward pass; every field is overwritten. */
export interface BackwardOutputs {
  /** [batch][steps][inputSize]. */
  dInput: Float32Array;
  /** [layers][batch][hidden]. */
  dH0: Float32Array;
  /** LSTM only (required there): [layers][batch][hidden]. */
  dC0?: Float32Array | null;
  /** Every parameter's gradient in the flat layout of getFlatParameters (paramCount floats). */
  dParams: Float32Array;
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
    return this.handle.tapeBytes(
      checkInteger('batch', batch, 1, LIMITS.batch),
      checkInteger('steps', steps, 1, LIMITS.steps),
    );
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
    result.params = this.gradientMap(args.dParams);
    return result;
  }

  async backwardAsync(options: BackwardOptions = {}): Promise<BackwardResult> {
    const { args, result } = this.prepareBackward(options);
    await this.handle.backwardAsync(args);
    result.params = this.gradientMap(args.dParams);
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
   * Synchronous and allocation-free: the streaming fast path. `state.h`, `state.c`, `out` and
   * `x` must not share memory (the state is rewritten layer by layer while x and it are read).
   */
  step(x: Float32Array, state: StepState, out?: Float32Array): void {
    checkApart('state.h', state.h, 'state.c', state.c);
    checkApart('state.h', state.h, 'out', out);
    checkApart('state.c', state.c, 'out', out);
    checkApart('state.h', state.h, 'x', x);
    checkApart('state.c', state.c, 'x', x);
    checkApart('out', out, 'x', x);
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
      throw new InvalidArgumentError(
        `forward options must be an object { batch, steps, h0?, c0?, train? }, got ${describeValue(options)}`,
      );
    }
    const { inputSize, hiddenSize, layers, cell } = this.config;
    const batch = checkInteger('batch', options.batch, 1, LIMITS.batch);
    const steps = checkInteger('steps', options.steps, 1, LIMITS.steps);
    checkFloat32Array('x', x, batch * steps * inputSize);
    const stateLen = layers * batch * hiddenSize;
    const h0 = checkOptionalFloat32Array('h0', options.h0, stateLen);
    if (cell !== 'lstm' && options.c0 != null)
      throw new InvalidArgumentError(`c0 is only accepted by an lstm stack, this one is '${cell}'`);
    const c0 = cell === 'lstm' ? checkOptionalFloat32Array('c0', options.c0, stateLen) : null;
    if (options.train !== undefined && typeof options.train !== 'boolean') {
      throw new InvalidArgumentError(`train must be a boolean, got ${describeValue(options.train)}`);
    }
    const result = this.forwardOutputs(options.out, batch * steps * hiddenSize, stateLen);
    checkDisjointOutputs(
      [
        ['out.output', result.output],
        ['out.hN', result.hN],
        ['out.cN', result.cN],
      ],
      [
        ['x', x],
        ['h0', h0],
        ['c0', c0],
      ],
    );
    const args: NativeForwardArgs = {
      x,
      batch,
      steps,
      h0,
      c0,
      y: result.output,
      hN: result.hN,
      cN: result.cN ?? null,
      train: options.train === true,
    };
    return { args, result };
  }

  /** The caller's output arrays (checked), or fresh ones. */
  private forwardOutputs(out: ForwardOutputs | null | undefined, outputLen: number, stateLen: number): ForwardResult {
    const lstm = this.config.cell === 'lstm';
    if (out === undefined || out === null) {
      const fresh: ForwardResult = { output: new Float32Array(outputLen), hN: new Float32Array(stateLen) };
      if (lstm) fresh.cN = new Float32Array(stateLen);
      return fresh;
    }
    if (typeof out !== 'object') {
      throw new InvalidArgumentError(
        `out must be an object { output, hN, cN? } of Float32Arrays, got ${describeValue(out)}`,
      );
    }
    const result: ForwardResult = {
      output: checkFloat32Array('out.output', out.output, outputLen),
      hN: checkFloat32Array('out.hN', out.hN, stateLen),
    };
    if (lstm) result.cN = checkFloat32Array('out.cN', out.cN, stateLen);
    else if (out.cN != null)
      throw new InvalidArgumentError(`out.cN is only accepted by an lstm stack, this one is '${this.config.cell}'`);
    return result;
  }

  /** The caller's gradient arrays (checked), or fresh ones. */
  private backwardOutputs(
    out: BackwardOutputs | null | undefined,
    inputLen: number,
    stateLen: number,
  ): {
    result: BackwardResult;
    dParams: Float32Array;
  } {
    const lstm = this.config.cell === 'lstm';
    if (out === undefined || out === null) {
      const result: BackwardResult = {
        dInput: new Float32Array(inputLen),
        dH0: new Float32Array(stateLen),
        params: {},
      };
      if (lstm) result.dC0 = new Float32Array(stateLen);
      return { result, dParams: new Float32Array(this.handle.paramCount) };
    }
    if (typeof out !== 'object') {
      throw new InvalidArgumentError(
        `out must be an object { dInput, dH0, dC0?, dParams } of Float32Arrays, got ${describeValue(out)}`,
      );
    }
    const result: BackwardResult = {
      dInput: checkFloat32Array('out.dInput', out.dInput, inputLen),
      dH0: checkFloat32Array('out.dH0', out.dH0, stateLen),
      params: {},
    };
    if (lstm) result.dC0 = checkFloat32Array('out.dC0', out.dC0, stateLen);
    else if (out.dC0 != null)
      throw new InvalidArgumentError(`out.dC0 is only accepted by an lstm stack, this one is '${this.config.cell}'`);
    return { result, dParams: checkFloat32Array('out.dParams', out.dParams, this.handle.paramCount) };
  }

  /**
   * Named gradients as views into the flat gradient array: each backward call fills a new or a
   * caller-owned array, so the views are never overwritten behind the caller's back.
   */
  private gradientMap(dParams: Float32Array): ParameterMap {
    const map: ParameterMap = {};
    for (const s of this.parameterSlots()) map[s.name] = dParams.subarray(s.offset, s.offset + s.length);
    return map;
  }

  private prepareBackward(options: BackwardOptions): { args: NativeBackwardArgs; result: BackwardResult } {
    if (!this.tape) {
      throw new NotFittedError(
        'backward needs a forward call with { train: true } first (setting parameters since then discards it)',
      );
    }
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(
        `backward options must be an object { dOutput?, dHN?, dCN? }, got ${describeValue(options)}`,
      );
    }
    const { batch, steps } = this.tape;
    const { inputSize, hiddenSize, layers, cell } = this.config;
    const stateLen = layers * batch * hiddenSize;
    const dY = checkOptionalFloat32Array('dOutput', options.dOutput, batch * steps * hiddenSize);
    const dHN = checkOptionalFloat32Array('dHN', options.dHN, stateLen);
    if (cell !== 'lstm' && options.dCN != null)
      throw new InvalidArgumentError(`dCN is only accepted by an lstm stack, this one is '${cell}'`);
    const dCN = cell === 'lstm' ? checkOptionalFloat32Array('dCN', options.dCN, stateLen) : null;
    const { result, dParams } = this.backwardOutputs(options.out, batch * steps * inputSize, stateLen);
    checkDisjointOutputs(
      [
        ['out.dInput', result.dInput],
        ['out.dH0', result.dH0],
        ['out.dC0', result.dC0],
        ['out.dParams', dParams],
      ],
      [
        ['dOutput', dY],
        ['dHN', dHN],
        ['dCN', dCN],
      ],
    );
    const args: NativeBackwardArgs = {
      dY,
      dHN,
      dCN,
      dX: result.dInput,
      dH0: result.dH0,
      dC0: result.dC0 ?? null,
      dParams,
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

  /**
   * x [batch][inputSize]; writes the top layer's new hidden state into out ([batch][hidden]),
   * which must not share memory with x.
   */
  step(x: Float32Array, out?: Float32Array): void {
    checkApart('out', out, 'x', x);
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

  /**
   * Releases this object's native memory now instead of when the garbage collector finalizes it.
   * Idempotent; later calls throw a NativeError with code ERR_DISPOSED. The stack it came from is
   * unaffected.
   */
  dispose(): void {
    this.handle.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
