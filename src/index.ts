/**
 * rnn-anomaly: anomaly detection in time series with recurrent neural networks (RNN, GRU, LSTM)
 * on native CPU kernels. This entry holds what an application needs; the engine, evaluation and
 * report have their own entries (rnn-anomaly/engine, rnn-anomaly/eval, rnn-anomaly/report).
 * docs/api.md lists every export.
 *
 * ```ts
 * import { Detector, readCsv } from 'rnn-anomaly';
 * const series = await readCsv('data.csv');
 * const detector = new Detector();
 * await detector.fit(series);
 * const result = await detector.detect(series);
 * ```
 */

// The Detector and its options.
export { Detector } from './detector/detector.js';
export type { DetectOptions, FitOptions, SeriesInput, UpdateOptions } from './detector/detector.js';
export type { AutoOption, DetectorMode, DetectorOptions, ResolvedOptions } from './detector/detector-options.js';
export type {
  EpochInfo,
  FitSummary,
  ModelConfig,
  OptimizerKind,
  StopReason,
  TrainingStage,
  UpdateSummary,
} from './model/fitted-model.js';
export type { ScoreKind } from './scoring/score-kind.js';
export type { HeadKind } from './engine/anomaly-network.js';
export type { HorizonScore } from './model/row-predictions.js';

// Results and events.
export { DetectionResult } from './results/detection-result.js';
export type { DetectionResultJSON, DetectionSettings } from './results/detection-result.js';
export { extractEvents } from './results/events.js';
export type { AnomalyEvent, ExtractEventsOptions, FeatureContribution } from './results/events.js';

// Streams.
export { StreamingDetector } from './streaming/streaming-detector.js';
export { StreamPool, StreamPointError } from './streaming/stream-pool.js';
export type { PoolBatch, StreamChanges, StreamInfo, StreamPoolOptions } from './streaming/stream-pool.js';
export type { StreamBatch, StreamOptions, StreamPoint } from './streaming/streaming-detector.js';
export type { LearnOptions, LearningStats } from './streaming/online-learner.js';

// Data: series, CSV and .npy readers, missing values, scalers.
export { TimeSeries } from './data/time-series.js';
export type {
  CellInput,
  FromArraysInput,
  FromArraysOptions,
  NonFinitePolicy,
  TimeSeriesInit,
  TimestampInput,
} from './data/time-series.js';
export { parseCsv, readCsv } from './data/read-csv.js';
export type { CsvOptions, ReadCsvOptions } from './data/csv-options.js';
export { parseNpy, readNpy } from './data/npy.js';
export type { NpyOptions } from './data/npy.js';
export { fillMissing } from './data/missing-values.js';
export type { MissingPolicy } from './data/missing-values.js';
export { Scaler } from './data/scaler.js';
export type { ScalerJSON, ScalerKind } from './data/scaler.js';

// Online scorers: causal, one value at a time.
export { EwmaSmoother } from './scoring/ewma.js';
export type { EwmaColumnState, EwmaState } from './scoring/ewma.js';
export { ErrorSurprise } from './scoring/online/error-surprise.js';
export type { ErrorSurpriseOptions } from './scoring/online/error-surprise.js';
export { RangeNovelty } from './scoring/online/range-novelty.js';
export type { RangeNoveltyOptions } from './scoring/online/range-novelty.js';
export { RefractoryGate } from './scoring/online/refractory-gate.js';
export { RollingMean } from './scoring/online/rolling-mean.js';
export { SeasonalChange } from './scoring/online/seasonal-change.js';
export type { SeasonalChangeOptions } from './scoring/online/seasonal-change.js';
export { rowsPerDay } from './scoring/online/rows-per-day.js';

// Thresholds.
export { checkThresholdSpec, THRESHOLD_DEFAULTS, THRESHOLD_METHODS } from './thresholds/spec.js';
export type {
  DynamicSpec,
  KSigmaSpec,
  PercentileSpec,
  PotSpec,
  ResolvedDynamicSpec,
  ResolvedKSigmaSpec,
  ResolvedPercentileSpec,
  ResolvedPotSpec,
  ResolvedSpotSpec,
  ResolvedThresholdSpec,
  SpotSpec,
  ThresholdMethod,
  ThresholdSpec,
} from './thresholds/spec.js';
export type {
  ApplyAsyncOptions,
  ThresholdDecision,
  ThresholdModel,
  ThresholdResult,
  ThresholdStateBase,
} from './thresholds/model.js';
export type { ScoreArray } from './thresholds/scores.js';
export { fitThreshold } from './thresholds/fit-threshold.js';
export { thresholdFromJSON } from './thresholds/persistence.js';
export type { ThresholdState } from './thresholds/persistence.js';
export { FixedThreshold } from './thresholds/fixed-threshold.js';
export type { CalibrationSummary, FixedThresholdState } from './thresholds/fixed-threshold.js';
export { SpotThreshold } from './thresholds/spot-threshold.js';
export type { SpotState, SpotThresholdState } from './thresholds/spot-threshold.js';
export { DynamicThreshold } from './thresholds/dynamic-threshold.js';
export type { DynamicState, DynamicThresholdState } from './thresholds/dynamic-threshold.js';

// Errors.
export {
  AbortError,
  InvalidArgumentError,
  InvalidDataError,
  ModelFileError,
  NativeError,
  NotFittedError,
  OutOfRangeError,
  RnnAnomalyError,
} from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
