import { InvalidArgumentError, OutOfRangeError } from '../errors.js';

/** Argument checks shared by the engine wrappers; each message names the argument. */
export function checkInt(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  if (value < min || value > max) {
    throw new OutOfRangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function checkFloat32(value: unknown, name: string, length?: number): Float32Array {
  if (!(value instanceof Float32Array)) {
    throw new InvalidArgumentError(`${name} must be a Float32Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new OutOfRangeError(`${name} must have ${length} elements, got ${value.length}`, 'ERR_SHAPE_MISMATCH');
  }
  return value;
}

export function checkOptionalFloat32(value: unknown, name: string, length: number): Float32Array | null {
  return value === undefined || value === null ? null : checkFloat32(value, name, length);
}

export function checkNumber(value: unknown, name: string, min: number, max: number, minExclusive = false): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(`${name} must be a number, got ${describe(value)}`);
  }
  if (minExclusive ? !(value > min) : !(value >= min)) {
    throw new OutOfRangeError(`${name} must be ${minExclusive ? '>' : '>='} ${min}, got ${value}`);
  }
  if (!(value <= max)) throw new OutOfRangeError(`${name} must be <= ${max}, got ${value}`);
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `a ${typeof value}`;
}

/** Size limits, mirrored in native/binding/limits.h. */
export const LIMITS = {
  features: 1 << 20,
  hidden: 1 << 14,
  layers: 64,
  batch: 1 << 24,
  steps: 1 << 24,
  streams: 1 << 20,
} as const;
