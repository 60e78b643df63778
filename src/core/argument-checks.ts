import { InvalidArgumentError, OutOfRangeError } from './errors.js';

/**
 * Argument validation shared by every module, so each public entry point words its errors the
 * same way: "<name> must be <expectation>, got <value>". Wrong types are TypeErrors, wrong
 * sizes and values RangeErrors, both with a `code`.
 */

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return `a ${typeof value}`;
}

export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${describeValue(value)}`);
  }
  if (value < min || value > max) {
    throw new OutOfRangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function checkFloat32Array(name: string, value: unknown, length?: number): Float32Array {
  if (!(value instanceof Float32Array)) {
    throw new InvalidArgumentError(`${name} must be a Float32Array, got ${describeValue(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new OutOfRangeError(`${name} must have ${length} elements, got ${value.length}`, 'ERR_SHAPE_MISMATCH');
  }
  return value;
}

/** null or undefined -> null; otherwise as checkFloat32Array. */
export function checkOptionalFloat32Array(name: string, value: unknown, length: number): Float32Array | null {
  return value === undefined || value === null ? null : checkFloat32Array(name, value, length);
}

/** A number in [min, max] (or (min, max] with minExclusive). */
export function checkNumber(name: string, value: unknown, min: number, max: number, minExclusive = false): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(`${name} must be a number, got ${describeValue(value)}`);
  }
  if (minExclusive ? !(value > min) : !(value >= min)) {
    throw new OutOfRangeError(`${name} must be ${minExclusive ? '>' : '>='} ${min}, got ${value}`);
  }
  if (!(value <= max)) throw new OutOfRangeError(`${name} must be <= ${max}, got ${value}`);
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}`,
    );
  }
  return value as T;
}

export function checkPlainObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new InvalidArgumentError(`${name} must be an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Rejects option keys that do not exist, so a typo is reported instead of silently ignored. */
export function checkKnownKeys(name: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(`${name} has an unknown key "${key}"; expected some of ${known.join(', ')}`);
    }
  }
}
