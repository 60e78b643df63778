import { InvalidArgumentError } from '../core/errors.js';

/**
 * Caller-supplied output arrays must not share memory with an input or with each other: the
 * kernels read inputs across many timesteps while writing outputs, so an aliased output would
 * silently corrupt the result. Compared as byte ranges, so arrays of different element types
 * over one buffer count too. The addon makes the same check (native/binding/args.h).
 */
export function sharesMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * Throws when `output` shares memory with `other` (an input, or another output). Allocation-free
 * for the single-step paths, which call it on every point.
 */
export function checkApart(
  outputName: string,
  output: ArrayBufferView | null | undefined,
  otherName: string,
  other: ArrayBufferView | null | undefined,
): void {
  if (output && other && output.byteLength > 0 && other.byteLength > 0 && sharesMemory(output, other)) {
    throw new InvalidArgumentError(
      `${outputName} must not share memory with ${otherName}: pass a separate array for each output`,
    );
  }
}

/** Throws when an output shares memory with another output or with an input. */
export function checkDisjointOutputs(
  outputs: ReadonlyArray<readonly [string, ArrayBufferView | null | undefined]>,
  inputs: ReadonlyArray<readonly [string, ArrayBufferView | null | undefined]>,
): void {
  for (let i = 0; i < outputs.length; i++) {
    const [name, out] = outputs[i]!;
    for (let j = i + 1; j < outputs.length; j++) checkApart(name, out, outputs[j]![0], outputs[j]![1]);
    for (const [inputName, input] of inputs) checkApart(name, out, inputName, input);
  }
}
