import { MISSING_POLICIES } from '../data/missing-values.js';
import { SCALER_KINDS } from '../data/scaler.js';
import { resolveOptions, type DetectorOptions } from '../detector/detector-options.js';
import { CALIBRATION_METHODS } from '../model/fitted-model.js';
import { WINDOW_MODES } from '../model/window-starts.js';
import { HORIZON_SCORES } from '../model/row-predictions.js';
import { HEAD_KINDS } from '../engine/anomaly-network.js';
import { SCORE_KINDS } from '../scoring/score-kind.js';
import { flag, flagName, type FlagValues } from './args.js';
import { thresholdFlag } from './threshold-flag.js';
import { UsageError } from './usage-error.js';

/**
 * Every Detector option as a flag. Types are parsed here; ranges and combinations are checked
 * by the library's own option validation, whose messages are re-worded with flag names, so the
 * CLI can never drift from the API.
 */
/** The library's defaults, so help texts cannot drift from what the Detector does. */
const DEFAULTS = resolveOptions({});

export const modelFlags = {
  cell: flag.choice(['rnn', 'gru', 'lstm'] as const, { description: 'Recurrent cell', default: DEFAULTS.cell }),
  nonlinearity: flag.choice(['tanh', 'relu'] as const, {
    description: 'Activation of the plain RNN cell',
    default: DEFAULTS.nonlinearity,
  }),
  hidden: flag.numberOr(['auto'] as const, {
    description: 'Hidden units per layer; auto = 32 for up to 8 columns, else 64',
    integer: true,
    default: DEFAULTS.hidden,
  }),
  layers: flag.number({ description: 'Stacked recurrent layers', integer: true, default: DEFAULTS.layers }),
  resetBefore: flag.switch({
    description: 'GRU: apply the reset gate before the recurrent product (Keras reset_after=false)',
  }),
  mode: flag.choice(WINDOW_MODES, {
    description: 'forecast: predict the next rows from a window; reconstruct: autoencode the window',
    default: DEFAULTS.mode,
  }),
  window: flag.numberOr(['auto'] as const, {
    description: 'Rows per input window; auto = the dominant period within 16..128',
    integer: true,
    default: DEFAULTS.window,
  }),
  horizon: flag.number({
    description: 'Forecast mode: rows predicted after each window',
    integer: true,
    default: DEFAULTS.horizon,
  }),
  horizonScore: flag.choice(HORIZON_SCORES, {
    description:
      "Forecast mode: a row's score uses its 1-step prediction (first) or the mean of its 1..horizon-step predictions",
    default: DEFAULTS.horizonScore,
  }),
  targets: flag.list({
    description: 'Forecast mode: columns to predict and score, by name or 0-based index',
    default: 'all',
  }),
  head: flag.choice(HEAD_KINDS, {
    description:
      'Forecast mode: gaussian predicts a mean and a variance per target, trained and scored by negative log-likelihood',
    default: DEFAULTS.head,
  }),
  varianceFloor: flag.number({
    description: 'Gaussian head: floor added to the predicted variance (scaled units)',
    default: DEFAULTS.varianceFloor,
  }),
  dropout: flag.number({
    description: 'Forecast mode, training only: dropout rate on every recurrent layer output',
    default: DEFAULTS.dropout,
  }),
  inputDropout: flag.number({
    description: 'Forecast mode, training only: dropout rate on the input window',
    default: DEFAULTS.inputDropout,
  }),
  score: flag.choice(SCORE_KINDS, {
    description:
      "Point score from prediction errors; nll (the Gaussian head's negative log-likelihood) is the default with --head gaussian",
    default: DEFAULTS.score,
  }),
  smoothing: flag.number({
    description: 'EWMA smoothing of scores: alpha in (0,1) or a span >= 1; 0 = off',
    default: DEFAULTS.smoothing,
  }),
  scaler: flag.choice(SCALER_KINDS, {
    description: 'Per-column scaling fitted on training rows',
    default: DEFAULTS.scaler,
  }),
  missing: flag.choice(MISSING_POLICIES, { description: 'How missing cells are filled', default: DEFAULTS.missing }),
} as const;

export const trainingFlags = {
  epochs: flag.numberOr(['auto'] as const, {
    description: 'Maximum epochs; auto = about 100,000 windows in total, 10 to 100 epochs',
    integer: true,
    default: DEFAULTS.epochs,
  }),
  batchSize: flag.numberOr(['auto'] as const, {
    description: 'Windows per gradient step',
    integer: true,
    default: DEFAULTS.batchSize,
  }),
  windowsPerEpoch: flag.numberOr(['auto'] as const, {
    description: 'Windows drawn per epoch; auto = all, at most 4096',
    integer: true,
    default: DEFAULTS.windowsPerEpoch,
  }),
  learningRate: flag.number({ description: 'Learning rate (default 0.001 for adam, 0.01 for sgd)' }),
  optimizer: flag.choice(['adam', 'sgd'] as const, { description: 'Optimizer', default: DEFAULTS.optimizer }),
  momentum: flag.number({ description: 'SGD momentum', default: DEFAULTS.momentum }),
  weightDecay: flag.number({ description: 'L2 weight decay', default: DEFAULTS.weightDecay }),
  validationSplit: flag.number({
    description: 'Share of the training rows (taken from their end) used for validation and threshold calibration',
    default: DEFAULTS.validationSplit,
  }),
  patience: flag.number({
    description: 'Epochs without improvement before stopping early; 0 = never',
    integer: true,
    default: DEFAULTS.patience,
  }),
  clipNorm: flag.number({ description: 'Gradient-norm clipping; 0 = off', default: DEFAULTS.clipNorm }),
  lrDecay: flag.number({ description: 'Learning-rate factor applied after each epoch', default: DEFAULTS.lrDecay }),
  seed: flag.number({
    description: 'Seed for weights and shuffling: same seed and data, same model',
    integer: true,
    default: DEFAULTS.seed,
  }),
  threads: flag.number({ description: 'Native worker threads', integer: true, min: 1, default: 'all cores' }),
} as const;

export const thresholdFlags = {
  threshold: thresholdFlag(),
  calibration: flag.choice(CALIBRATION_METHODS, {
    description:
      'Scores the threshold is fitted on: cross-fit = every row scored by a model trained without it (4 folds); holdout = the validation part',
    default: DEFAULTS.calibration,
  }),
  contamination: flag.numberOr(['auto'] as const, {
    description:
      'Expected share of anomalies in the training rows (cross-fit only); auto = drop rows whose out-of-sample score is a robust outlier, then refit; 0 = keep all',
    default: DEFAULTS.contamination,
  }),
} as const;

type DetectorFlagSet = typeof modelFlags & typeof trainingFlags & typeof thresholdFlags;

export const MODEL_FLAG_NAMES = Object.keys(modelFlags) as (keyof typeof modelFlags)[];
export const TRAINING_FLAG_NAMES = Object.keys(trainingFlags) as (keyof typeof trainingFlags)[];
export const THRESHOLD_FLAG_NAMES = Object.keys(thresholdFlags) as (keyof typeof thresholdFlags)[];

/** The help sections of every command that trains a model, in the order they are shown. */
export const DETECTOR_FLAG_GROUPS = [
  { title: 'Model', flags: MODEL_FLAG_NAMES },
  { title: 'Training', flags: TRAINING_FLAG_NAMES },
  { title: 'Threshold', flags: THRESHOLD_FLAG_NAMES },
] as const;

/** "options.batchSize must be ..." -> "--batch-size must be ...". */
export function withFlagNames(message: string): string {
  return message
    .replace(/options\.resetAfter/g, '--reset-before')
    .replace(/options\.([A-Za-z]+)/g, (_, key: string) => flagName(key));
}

function targetList(names: readonly string[]): (string | number)[] {
  return names.map((name) => (/^\d+$/.test(name) ? Number(name) : name));
}

/** Builds and validates Detector options from flags; bad values are usage errors (exit 2). */
export function detectorOptionsFrom(flags: FlagValues<DetectorFlagSet>, command: string): DetectorOptions {
  // Flags not given are undefined here and dropped below, so the detector applies its defaults.
  const options: { [K in keyof DetectorOptions]?: DetectorOptions[K] | undefined } = {
    cell: flags.cell,
    nonlinearity: flags.nonlinearity,
    hidden: flags.hidden,
    layers: flags.layers,
    resetAfter: flags.resetBefore ? false : undefined,
    mode: flags.mode,
    window: flags.window,
    horizon: flags.horizon,
    horizonScore: flags.horizonScore,
    head: flags.head,
    varianceFloor: flags.varianceFloor,
    dropout: flags.dropout,
    inputDropout: flags.inputDropout,
    targets: flags.targets ? targetList(flags.targets) : undefined,
    score: flags.score,
    smoothing: flags.smoothing,
    threshold: flags.threshold,
    calibration: flags.calibration,
    contamination: flags.contamination,
    scaler: flags.scaler,
    missing: flags.missing,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    windowsPerEpoch: flags.windowsPerEpoch,
    learningRate: flags.learningRate,
    optimizer: flags.optimizer,
    momentum: flags.momentum,
    weightDecay: flags.weightDecay,
    validationSplit: flags.validationSplit,
    patience: flags.patience,
    clipNorm: flags.clipNorm,
    lrDecay: flags.lrDecay,
    seed: flags.seed,
    threads: flags.threads,
  };
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as DetectorOptions;
  try {
    resolveOptions(defined);
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError)
      throw new UsageError(withFlagNames(err.message), command);
    throw err;
  }
  return defined;
}
