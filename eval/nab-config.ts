/**
 * The one configuration `npm run eval:nab` runs every NAB file with, and the hash that names it.
 *
 * Every Detector option that applies is written out, defaults included, so that a change of a
 * library default cannot move the NAB score silently: the type below fails to compile when the
 * library gains an option that is not pinned here, test/eval-nab-results.test.ts fails when
 * an option resolves from a default, and it fails too when eval/results/nab.json or
 * nab-ablations.json was written by another configuration than this one (change it, then rerun
 * `npm run eval:nab -- --fresh` and `npm run eval:nab-ablations` and commit both JSON files).
 * Left out, because they cannot be given with this configuration or are not the model's:
 * `nonlinearity` (cell 'rnn' only), `momentum` (optimizer 'sgd' only), `varianceFloor` (head
 * 'gaussian' only), `targets` (a NAB file has one value column, the only possible target) and
 * `threads` (a property of the process: `--threads`).
 *
 * The values were chosen on the full corpus (docs/evaluation.md, NAB section): there is no
 * held-out NAB, as for every published NAB detector.
 */
import type { DetectorOptions } from '../src/detector/detector-options.js';
import type { LearnOptions } from '../src/streaming/online-learner.js';
import { configHash } from './lib/file-cache.js';
import type { OnlineConfig } from './lib/nab-online-detector.js';
import type { NabScoreMapping } from './lib/nab-online-score.js';

/** Options that only apply to other cells, optimizers or heads, or that are not the model's. */
type UnpinnedOption = 'nonlinearity' | 'momentum' | 'varianceFloor' | 'targets' | 'threads';

/** Every other Detector option, required. */
export type PinnedDetectorOptions = Required<Omit<DetectorOptions, UnpinnedOption>>;

export interface NabRunConfig {
  /** A variant may add the options that apply only to it (eval/nab-ablations.ts: `varianceFloor`). */
  online: OnlineConfig & { detector: PinnedDetectorOptions & DetectorOptions; learn: Required<LearnOptions> | null };
  scoreMapping: NabScoreMapping;
}

/** Rows in the forecaster's input window; levels are averaged over as many rows. */
const WINDOW = 32;

const DETECTOR: PinnedDetectorOptions = {
  cell: 'gru',
  hidden: 32,
  layers: 1,
  resetAfter: true,
  mode: 'forecast',
  window: WINDOW,
  horizon: 1,
  horizonScore: 'first',
  head: 'point',
  dropout: 0,
  inputDropout: 0,
  score: 'squared',
  smoothing: 20,
  threshold: { method: 'percentile', q: 99 },
  scaler: 'zscore',
  missing: 'interpolate',
  epochs: 40,
  batchSize: 'auto',
  windowsPerEpoch: 'auto',
  learningRate: 0.003,
  optimizer: 'adam',
  weightDecay: 0,
  validationSplit: 0.2,
  patience: 10,
  clipNorm: 1,
  lrDecay: 1,
  seed: 1,
  // The threshold is NAB's own (the score mapping's); these keep the network's fit as it was
  // measured, on the first 80% of the probationary rows, with no rows left out.
  calibration: 'holdout',
  contamination: 0,
};

/** The stream keeps learning: a round of 64 windows every 32 rows. */
const LEARN: Required<LearnOptions> = {
  every: 32,
  windows: 64,
  learningRate: 0.003,
  epochs: 1,
  deterministic: true,
};

export const NAB_CONFIG: NabRunConfig = {
  online: { detector: DETECTOR, learn: LEARN, refitEvery: 0 },
  scoreMapping: {
    terms: { forecastError: true, dayAgo: true, range: true, levelRange: true },
    errorKind: 'squared',
    errorSeedShare: DETECTOR.validationSplit,
    // 30 days of 5-minute rows, the history length of the anomaly likelihood in NAB's numenta
    // detector: a learning forecaster's early errors stop counting once it has moved on.
    errorHistory: 8640,
    warmup: 20,
    errorZHalf: 5,
    seasonalSmoothingShare: 1 / 12,
    seasonalZHalf: 10,
    rangeTolerance: 0.02,
    rangeMemory: 8640,
    levelRows: WINDOW,
    refractory: 25,
  },
};

/** Names a whole configuration: the `configuration.hash` of the results JSON. */
export function nabConfigHash(config: NabRunConfig): string {
  return configHash(config);
}

/** Names what the per-file errors depend on (not the score mapping): the cache folder. */
export function nabErrorsHash(config: NabRunConfig): string {
  return configHash(config.online);
}
