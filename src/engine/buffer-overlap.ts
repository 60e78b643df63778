import { InvalidArgumentError } from '../core/errors.js';

/**
 * Caller-supplied output arrays must not share memory with an input or with each other: the
 * kernels read inputs across many timesteps while writing outputs, so an aliased output would
 * silently corrupt the result.
 */
export function sharesMemory(a: Float32Array, b: Float32Array): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Throws when an output shares memory with another output or with an input. */
export function checkDisjointOutputs(
  outputs: ReadonlyArray<readonly [string, Float32Array | null | undefined]>,
  inputs: ReadonlyArray<readonly [string, Float32Array | null | undefined]>,
): void {
  for (let i = 0; i < outputs.length; i++) {
    const [name, out] = outputs[i]!;
    if (!out || out.length === 0) continue;
    const others = [...outputs.slice(i + 1), ...inputs];
    for (const [otherName, other] of others) {
      if (other && other.length > 0 && sharesMemory(out, other)) {
        throw new InvalidArgumentError(
          `${name} must not share memory with ${otherName}: pass a separate Float32Array for each output`,
        );
      }
    }
  }
}
