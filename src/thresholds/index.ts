export {
  checkThresholdSpec,
  THRESHOLD_DEFAULTS,
  THRESHOLD_METHODS,
  type DynamicSpec,
  type KSigmaSpec,
  type PercentileSpec,
  type PotSpec,
  type ResolvedDynamicSpec,
  type ResolvedKSigmaSpec,
  type ResolvedPercentileSpec,
  type ResolvedPotSpec,
  type ResolvedSpotSpec,
  type ResolvedThresholdSpec,
  type SpotSpec,
  type ThresholdMethod,
  type ThresholdSpec,
} from './spec.js';
export type {
  ApplyAsyncOptions,
  ThresholdDecision,
  ThresholdModel,
  ThresholdResult,
  ThresholdStateBase,
} from './model.js';
export type { ScoreArray } from './scores.js';
export { fitThreshold } from './fit-threshold.js';
export { thresholdFromJSON, type ThresholdState } from './persistence.js';
export { FixedThreshold, type CalibrationSummary, type FixedThresholdState } from './fixed-threshold.js';
export { SpotThreshold, type SpotState, type SpotThresholdState } from './spot-threshold.js';
export { DynamicThreshold, type DynamicState, type DynamicThresholdState } from './dynamic-threshold.js';
export { fitGpd, gpdLogLikelihood, MIN_EXCESSES_FOR_SHAPE, type GpdFit } from './gpd.js';
export { tailQuantile } from './pot.js';
export {
  EMPIRICAL_MARGIN,
  fitPotWithFallback,
  LOWEST_POOLED_LEVEL,
  MIN_TAIL_PEAKS,
  scoresForTail,
  type TailFitKind,
  type TailFitReport,
} from './thin-tail.js';
