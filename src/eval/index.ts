/**
 * `rnn-anomaly/eval`: point-wise, adjusted, event-wise and threshold-free metrics, and the NAB
 * scorer.
 */
export type { BinarySeries, ScoreSeries } from './inputs.js';
export { maskToRanges, rangesToMask, type IndexRange } from './ranges.js';
export { metricsFromCounts, type ClassificationMetrics, type ConfusionCounts } from './classification.js';
export { pointwiseMetrics } from './pointwise.js';
export { bestF1, type BestF1 } from './best-f1.js';
export {
  DEFAULT_PA_K_VALUES,
  paKCurve,
  paKMetrics,
  pointAdjust,
  pointAdjustedMetrics,
  type PaKCurve,
  type PaKPoint,
} from './point-adjust.js';
export { eventwiseMetrics, type EventwiseMetrics } from './eventwise.js';
export { rocAuc } from './roc-auc.js';
export { averagePrecision } from './average-precision.js';
export {
  NAB_PROFILES,
  type NabCostMatrix,
  type NabProfile,
  type NabProfileName,
  type NabRowWeights,
} from './nab/rules.js';
export { loadNabCorpus, type LoadNabCorpusOptions, type NabCorpus, type NabCorpusFile } from './nab/corpus.js';
export { writeNabResultsFile } from './nab/results-file.js';
export {
  scoreNabCorpus,
  scoreNabDetections,
  type NabCorpusScore,
  type NabFileScore,
  type NabProfileScore,
  type NabScoreOptions,
  type ScoreNabCorpusOptions,
} from './nab/score.js';
