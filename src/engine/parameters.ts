import { InvalidArgumentError, OutOfRangeError } from '../core/errors.js';
import { Xoshiro128 } from '../core/prng.js';
import { checkFloat32Array, describeValue } from '../core/argument-checks.js';
import type { NativeParamSlot } from './native-types.js';

export type ParameterMap = Record<string, Float32Array>;

/** Copies of every named tensor of a flat parameter buffer. */
export function splitParameters(flat: Float32Array, slots: readonly NativeParamSlot[]): ParameterMap {
  const out: ParameterMap = {};
  for (const s of slots) out[s.name] = flat.slice(s.offset, s.offset + s.length);
  return out;
}

/**
 * Writes named tensors into a flat buffer. Unknown names and wrong lengths are rejected before
 * anything is written, so a failed call changes nothing.
 */
export function mergeParameters(flat: Float32Array, slots: readonly NativeParamSlot[], params: unknown): void {
  if (typeof params !== 'object' || params === null) {
    throw new InvalidArgumentError(
      `parameters must be an object of Float32Arrays keyed by PyTorch names, got ${describeValue(params)}`,
    );
  }
  const bySlot = new Map(slots.map((s) => [s.name, s]));
  const entries = Object.entries(params as Record<string, unknown>);
  for (const [name, value] of entries) {
    const slot = bySlot.get(name);
    if (!slot) {
      throw new InvalidArgumentError(
        `unknown parameter '${name}'; expected one of ${slots.map((s) => s.name).join(', ')}`,
      );
    }
    if (!(value instanceof Float32Array)) {
      throw new InvalidArgumentError(`parameter '${name}' must be a Float32Array, got ${describeValue(value)}`);
    }
    if (value.length !== slot.length) {
      throw new OutOfRangeError(
        `parameter '${name}' must have ${slot.length} elements ([${slot.rows}][${slot.cols}]), got ${value.length}`,
        'ERR_SHAPE_MISMATCH',
      );
    }
  }
  for (const [name, value] of entries) flat.set(value as Float32Array, bySlot.get(name)!.offset);
}

/**
 * PyTorch's default initialisation for recurrent layers and Linear heads:
 * uniform(-1/sqrt(fan), 1/sqrt(fan)) with fan = hidden size (recurrent) or input size (Linear).
 */
export function initParameters(
  slots: readonly NativeParamSlot[],
  fanOf: (slot: NativeParamSlot) => number,
  seed: number,
): Float32Array {
  const total = slots.reduce((n, s) => Math.max(n, s.offset + s.length), 0);
  const flat = new Float32Array(total);
  const rng = new Xoshiro128(seed);
  for (const s of slots) {
    const bound = 1 / Math.sqrt(fanOf(s));
    for (let i = 0; i < s.length; i++) flat[s.offset + i] = (rng.nextFloat() * 2 - 1) * bound;
  }
  return flat;
}

/** What a native network exposes about its flat parameter buffer. */
interface NativeParameterHandle {
  readonly paramCount: number;
  paramSlots(): NativeParamSlot[];
  getParams(out: Float32Array): void;
  setParams(flat: Float32Array): void;
}

/**
 * Named and flat access to a native network's parameters, seeded with PyTorch's default
 * initialisation (fan = hidden size for every tensor, recurrent and head alike).
 */
export abstract class ParameterizedNetwork<H extends NativeParameterHandle> {
  protected readonly handle: H;
  private readonly slots: readonly NativeParamSlot[];

  protected constructor(handle: H, hiddenSize: number, seed: number) {
    this.handle = handle;
    this.slots = handle.paramSlots();
    handle.setParams(initParameters(this.slots, () => hiddenSize, seed));
  }

  get paramCount(): number {
    return this.handle.paramCount;
  }

  /** Names, offsets and shapes of the tensors in the flat buffer. */
  parameterSlots(): readonly NativeParamSlot[] {
    return this.slots;
  }

  /** Copies of every tensor, keyed by PyTorch names. */
  getParameters(): ParameterMap {
    return splitParameters(this.getFlatParameters(), this.slots);
  }

  getFlatParameters(): Float32Array {
    const flat = new Float32Array(this.handle.paramCount);
    this.handle.getParams(flat);
    return flat;
  }

  /** Sets some or all tensors by name; the others keep their values. */
  setParameters(params: ParameterMap): void {
    const flat = this.getFlatParameters();
    mergeParameters(flat, this.slots, params);
    this.handle.setParams(flat);
    this.parametersChanged();
  }

  setFlatParameters(flat: Float32Array): void {
    this.handle.setParams(checkFloat32Array('parameters', flat, this.handle.paramCount));
    this.parametersChanged();
  }

  /** Called after every parameter write (state derived from the old weights is stale). */
  protected parametersChanged(): void {}
}
