import { InvalidArgumentError } from '../core/errors.js';
import { checkFloat32Array, checkInteger, describeValue } from '../core/argument-checks.js';
import { LIMITS } from './limits.js';
import { native } from './native.js';

export type IsaName = 'scalar' | 'avx2' | 'avx512' | 'neon';

/** Native worker threads used by every kernel call (default: the machine's cores). */
export function setThreads(n: number): void {
  native().setThreads(checkInteger('threads', n, 1, 1024));
}

export function threads(): number {
  return native().threads();
}

/** The instruction set the kernels run on (RNN_ANOMALY_ISA forces one at load time). */
export function activeIsa(): IsaName {
  return native().activeIsa() as IsaName;
}

/** Why RNN_ANOMALY_ISA was not honoured (an unknown name or a path this CPU lacks); '' otherwise. */
export function isaSelectionNote(): string {
  return native().isaSelectionNote();
}

export function supportedIsas(): IsaName[] {
  return native().supportedIsas() as IsaName[];
}

/** Switches the kernels to another instruction set this CPU supports (tests, benchmarks). */
export function forceIsa(isa: IsaName): void {
  if (typeof isa !== 'string') throw new InvalidArgumentError(`isa must be a string, got ${describeValue(isa)}`);
  native().forceIsa(isa);
}

/**
 * Copies windows of `steps` rows starting at each of `starts` from a row-major series with
 * `columns` columns into one batch-major buffer [starts.length][steps][columns] (a native memcpy
 * per window).
 */
export function gatherWindows(
  series: Float32Array,
  columns: number,
  starts: Int32Array,
  steps: number,
  out?: Float32Array,
): Float32Array {
  checkFloat32Array('series', series);
  checkInteger('columns', columns, 1, LIMITS.features);
  checkInteger('steps', steps, 1, LIMITS.steps);
  if (!(starts instanceof Int32Array))
    throw new InvalidArgumentError(`starts must be an Int32Array, got ${describeValue(starts)}`);
  const length = starts.length * steps * columns;
  const target = out ? checkFloat32Array('out', out, length) : new Float32Array(length);
  native().gatherWindows(series, columns, starts, steps, target);
  return target;
}
