import { ModelFileError } from '../core/errors.js';
import { DynamicThreshold, type DynamicState, type DynamicThresholdState } from './dynamic-threshold.js';
import { FixedThreshold, type CalibrationSummary, type FixedThresholdState } from './fixed-threshold.js';
import type { ThresholdModel } from './model.js';
import { describe } from './scores.js';
import { checkThresholdSpec, type ResolvedDynamicSpec, type ResolvedSpotSpec } from './spec.js';
import { SpotThreshold, type SpotState, type SpotThresholdState } from './spot-threshold.js';

/** Any fitted threshold as `toJSON()` writes it. */
export type ThresholdState = FixedThresholdState | SpotThresholdState | DynamicThresholdState;

const FORMAT = 'rnn-anomaly/threshold';
const VERSION = 1;

/**
 * Rebuilds a fitted threshold from `toJSON()` output (as read back from a model file). A
 * restored model judges scores exactly as the saved one would have. Anything malformed is a
 * ModelFileError naming the offending field; a newer format version is ERR_MODEL_VERSION.
 */
export function thresholdFromJSON(json: unknown): ThresholdModel {
  const root = record(json, 'threshold');
  if (root['format'] !== FORMAT) {
    throw new ModelFileError(`threshold.format must be '${FORMAT}', got ${describe(root['format'])}`);
  }
  const version = root['version'];
  if (typeof version === 'number' && Number.isInteger(version) && version > VERSION) {
    throw new ModelFileError(
      `threshold.version ${version} is newer than this library reads (${VERSION}); upgrade rnn-anomaly`,
      'ERR_MODEL_VERSION',
    );
  }
  if (version !== VERSION) throw new ModelFileError(`threshold.version must be ${VERSION}, got ${describe(version)}`);
  let spec;
  try {
    spec = checkThresholdSpec(root['spec'], 'threshold.spec');
  } catch (error) {
    throw new ModelFileError(`invalid saved threshold: ${(error as Error).message}`);
  }
  switch (spec.method) {
    case 'percentile':
    case 'ksigma':
    case 'pot':
      return new FixedThreshold(
        spec,
        finite(root['threshold'], 'threshold.threshold'),
        calibrationSummary(root['calibration']),
      );
    case 'spot':
      return SpotThreshold.fromState(spec, spotState(root['state'], spec));
    case 'dynamic':
      return DynamicThreshold.fromState(spec, dynamicState(root['state'], spec));
  }
}

function calibrationSummary(value: unknown): CalibrationSummary {
  const c = record(value, 'threshold.calibration');
  const summary: CalibrationSummary = {
    count: integer(c['count'], 'threshold.calibration.count', 0, Number.MAX_SAFE_INTEGER),
    mean: finite(c['mean'], 'threshold.calibration.mean'),
    std: finite(c['std'], 'threshold.calibration.std'),
  };
  if (c['tail'] !== undefined) {
    const t = record(c['tail'], 'threshold.calibration.tail');
    summary.tail = {
      initialThreshold: finite(t['initialThreshold'], 'threshold.calibration.tail.initialThreshold'),
      peaks: integer(t['peaks'], 'threshold.calibration.tail.peaks', 1, Number.MAX_SAFE_INTEGER),
      gamma: finite(t['gamma'], 'threshold.calibration.tail.gamma'),
      sigma: positive(t['sigma'], 'threshold.calibration.tail.sigma'),
      shapeEstimated: boolean(t['shapeEstimated'], 'threshold.calibration.tail.shapeEstimated'),
    };
  }
  return summary;
}

function spotState(value: unknown, spec: ResolvedSpotSpec): SpotState {
  const s = record(value, 'threshold.state');
  const calibrationPeaks = excesses(s['calibrationPeaks'], 'threshold.state.calibrationPeaks');
  const streamPeaks = excesses(s['streamPeaks'], 'threshold.state.streamPeaks');
  const streamBounds = excesses(s['streamBounds'], 'threshold.state.streamBounds');
  if (calibrationPeaks.length < 1 || calibrationPeaks.length > spec.maxPeaks) {
    throw new ModelFileError(
      `threshold.state.calibrationPeaks must hold 1 to maxPeaks = ${spec.maxPeaks} excesses, got ${calibrationPeaks.length}`,
    );
  }
  if (streamPeaks.length > spec.maxPeaks) {
    throw new ModelFileError(
      `threshold.state.streamPeaks must hold at most maxPeaks = ${spec.maxPeaks} excesses, got ${streamPeaks.length}`,
    );
  }
  if (streamBounds.length !== streamPeaks.length) {
    throw new ModelFileError(
      `threshold.state.streamBounds must hold one bound per stream peak (${streamPeaks.length}), got ${streamBounds.length}`,
    );
  }
  const drift = numbers(s['drift'], 'threshold.state.drift');
  if (drift.length !== spec.depth) {
    throw new ModelFileError(`threshold.state.drift must hold depth = ${spec.depth} scores, got ${drift.length}`);
  }
  const full = streamPeaks.length === spec.maxPeaks;
  return {
    initialThreshold: finite(s['initialThreshold'], 'threshold.state.initialThreshold'),
    observations: positive(s['observations'], 'threshold.state.observations'),
    calibrationPeaks,
    streamPeaks,
    streamBounds,
    oldest: integer(s['oldest'], 'threshold.state.oldest', 0, full ? spec.maxPeaks - 1 : 0),
    gamma: finite(s['gamma'], 'threshold.state.gamma'),
    sigma: positive(s['sigma'], 'threshold.state.sigma'),
    shapeEstimated: boolean(s['shapeEstimated'], 'threshold.state.shapeEstimated'),
    threshold: finite(s['threshold'], 'threshold.state.threshold'),
    drift,
  };
}

function dynamicState(value: unknown, spec: ResolvedDynamicSpec): DynamicState {
  const s = record(value, 'threshold.state');
  const history = numbers(s['history'], 'threshold.state.history');
  if (history.length > spec.window) {
    throw new ModelFileError(
      `threshold.state.history must hold at most window = ${spec.window} scores, got ${history.length}`,
    );
  }
  const optional = (v: unknown, name: string): number | null => (v === null ? null : finite(v, name));
  return {
    history,
    sinceEvaluation: integer(s['sinceEvaluation'], 'threshold.state.sinceEvaluation', 0, spec.batch - 1),
    epsilon: optional(s['epsilon'], 'threshold.state.epsilon'),
    lower: optional(s['lower'], 'threshold.state.lower'),
  };
}

function record(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelFileError(`${name} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ModelFileError(`${name} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

function positive(value: unknown, name: string): number {
  const v = finite(value, name);
  if (!(v > 0)) throw new ModelFileError(`${name} must be positive, got ${v}`);
  return v;
}

function integer(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ModelFileError(`${name} must be an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new ModelFileError(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

function excesses(value: unknown, name: string): number[] {
  const values = numbers(value, name);
  values.forEach((v, i) => {
    if (!(v > 0)) throw new ModelFileError(`${name}[${i}] must be a positive excess, got ${v}`);
  });
  return values;
}

function numbers(value: unknown, name: string): number[] {
  if (!Array.isArray(value)) throw new ModelFileError(`${name} must be an array of numbers, got ${describe(value)}`);
  return value.map((v, i) => finite(v, `${name}[${i}]`));
}
