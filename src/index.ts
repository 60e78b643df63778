/**
 * rnn-anomaly: anomaly detection in time series with recurrent neural networks (RNN, GRU, LSTM)
 * on native CPU kernels.
 *
 * ```ts
 * import { Detector, readCsv } from 'rnn-anomaly';
 * const series = await readCsv('data.csv');
 * const detector = new Detector();
 * await detector.fit(series);
 * const result = await detector.detect(series);
 * ```
 */

// Detector, its options, results, streaming and model files.
export { Detector, toSeries } from './detector/detector.js';
export type { DetectOptions, FitOptions, SeriesInput } from './detector/detector.js';
export { DEFAULT_THRESHOLD, resolveOptions } from './detector/detector-options.js';
export type {
  DetectorMode, DetectorOptions, OptimizerKind, ResolvedOptions, ScoreKind,
} from './detector/detector-options.js';
export type { FitSummary, ModelConfig } from './model/fitted-model.js';
export type { EpochInfo, StopReason } from './training/train-loop.js';
export { DetectionResult } from './results/detection-result.js';
export type { DetectionResultJSON, DetectionSettings } from './results/detection-result.js';
export { StreamingDetector } from './streaming/streaming-detector.js';
export type { StreamBatch, StreamOptions, StreamPoint } from './streaming/streaming-detector.js';
export { MODEL_FILE_MAGIC, MODEL_FILE_VERSION, decodeModelFile, encodeModelFile } from './persistence/model-file.js';
export type { ModelFileContents } from './persistence/model-file.js';
export { crc32 } from './persistence/crc32.js';

// Events.
export { extractEvents } from './results/events.js';
export type { AnomalyEvent, ExtractEventsOptions, FeatureContribution } from './results/events.js';

// Data: series, CSV and .npy readers, missing values, scalers, windows.
export * from './data/index.js';

// Scoring: prediction errors, Gaussian likelihood, EWMA.
export * from './scoring/index.js';

// Thresholds.
export * from './thresholds/index.js';

// Evaluation metrics and the NAB scorer.
export * from './eval/index.js';

// The native engine: recurrent stacks, anomaly networks, runtime controls.
export * from './engine/index.js';

// Errors.
export {
  AbortError, InvalidArgumentError, InvalidDataError, ModelFileError, NativeError, NotFittedError, OutOfRangeError,
  RnnAnomalyError,
} from './errors.js';
export type { ErrorCode } from './errors.js';
