import { AbortError, InvalidArgumentError } from '../core/errors.js';
import { describe } from './scores.js';

/**
 * Long threshold computations are written once as generators that yield between chunks of
 * work; the same generator runs to completion synchronously for small inputs, or in time slices
 * that hand the event loop back between chunks.
 */
export type Steps<T> = Generator<void, T, void>;

/** Longest stretch of work between two returns to the event loop. */
const SLICE_MS = 8;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

export async function runStepsAsync<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  throwIfAborted(signal);
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
      sliceStart = performance.now();
    }
  }
}

export function checkSignal(signal: unknown, name: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`${name} must be an AbortSignal, got ${describe(signal)}`);
  }
  return signal;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('thresholding was aborted');
}
