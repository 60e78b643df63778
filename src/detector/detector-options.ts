/**
 * Detector options: their types, defaults and validation. Every option is checked up front with
 * a message that names it and states what was expected, so a typo or an out-of-range value fails
 * at `new Detector(...)` instead of deep inside training. Values left as 'auto' are chosen from
 * the data by `fit` (see src/training/auto-defaults.ts) and reported in the fit summary.
 */
import { checkInteger, checkKnownKeys, checkOneOf, checkPlainObject, describeValue } from '../core/argument-checks.js';
import type { CellType, Nonlinearity } from '../engine/cell-spec.js';
import { MISSING_POLICIES, type MissingPolicy } from '../data/missing-values.js';
import { SCALER_KINDS, type ScalerKind } from '../data/scaler.js';
import { InvalidArgumentError, OutOfRangeError } from '../core/errors.js';
import {
  CALIBRATION_METHODS,
  type CalibrationMethod,
  type Contamination,
  type ModelConfig,
  type OptimizerKind,
} from '../model/fitted-model.js';
import { WINDOW_MODES, type WindowMode } from '../model/window-starts.js';
import { SCORE_KINDS, type ScoreKind } from '../scoring/score-kind.js';
import { HORIZON_SCORES, type HorizonScore } from '../model/row-predictions.js';
import { HEAD_KINDS, type HeadKind } from '../engine/anomaly-network.js';
import {
  THRESHOLD_DEFAULTS,
  checkThresholdSpec,
  type ResolvedThresholdSpec,
  type ThresholdSpec,
} from '../thresholds/spec.js';

export type DetectorMode = WindowMode;

export interface DetectorOptions {
  /** Recurrent cell. Default 'gru'. */
  cell?: CellType;
  /** Vanilla RNN activation. Default 'tanh'; only with cell 'rnn'. */
  nonlinearity?: Nonlinearity;
  /** Hidden units per layer, in [1, 4096]. Default 'auto': 32 for up to 8 columns, else 64. */
  hidden?: number | 'auto';
  /** Stacked recurrent layers, in [1, 8]. Default 1. */
  layers?: number;
  /** GRU formulation: true = PyTorch/cuDNN/Keras-TF2, false = Keras reset_after=false. Default true. */
  resetAfter?: boolean;
  /**
   * 'forecast' predicts the next `horizon` rows of the target columns from a window of all
   * columns (telemanom style); 'reconstruct' is a sequence autoencoder over all columns.
   * Default 'forecast'.
   */
  mode?: DetectorMode;
  /**
   * Rows per input window, in [2, 100000]. Default 'auto': the dominant period of the first target
   * column (autocorrelation) clamped to [16, 128], else 1% of the training rows clamped to
   * [16, 64]; never more than a quarter of the training rows.
   */
  window?: number | 'auto';
  /** Forecast mode: rows predicted after each window, in [1, 1000]. Default 1. Trained on all of them. */
  horizon?: number;
  /**
   * Forecast mode: which predictions of a row its score uses. 'first': the one-step prediction of
   * the window ending just before it; 'mean': the mean of its 1..horizon-step predictions (those
   * that exist), telemanom's aggregate_predictions(method='mean'). Default 'first'.
   */
  horizonScore?: HorizonScore;
  /**
   * Forecast mode: 'gaussian' predicts a mean and a log-variance per target and step, trained by
   * Gaussian negative log-likelihood; its score 'nll' is the NLL of the observation. Default 'point'.
   */
  head?: HeadKind;
  /** Gaussian head: variance floor (scaled units squared) added to the predicted variance, in [0, 100]. Default 1e-4. */
  varianceFloor?: number;
  /** Forecast mode, training only: dropout rate on every recurrent layer's output (between layers and into the head), in [0, 0.9]. Default 0. */
  dropout?: number;
  /** Forecast mode, training only: dropout rate on the input window, in [0, 0.9]. Default 0. */
  inputDropout?: number;
  /** Forecast mode: columns to predict and score (names or indices). Default: every column. */
  targets?: readonly (string | number)[];
  /**
   * Point score from the prediction errors of the scored features: mean absolute error, mean
   * squared error, 'loglik' (negative log-likelihood under a Gaussian fitted to validation
   * errors), or 'nll' (Gaussian head only: the negative log-likelihood of the observation under
   * the predicted means and variances, summed over the features). Default 'absolute', or 'nll'
   * with the Gaussian head.
   */
  score?: ScoreKind;
  /**
   * EWMA smoothing of the point scores: a number in (0, 1) is the smoothing factor alpha, a
   * number >= 1 is a span (alpha = 2 / (span + 1)); 0 or 1 turns smoothing off. Default 20 (a
   * span): on the NAB realKnownCause series it removed most isolated false alarms of 1-step
   * forecast errors while keeping the labelled events.
   */
  smoothing?: number;
  /** How scores become flags; calibrated as `calibration` says. Default { method: 'pot', q: 1e-3, level: 0.98 }. */
  threshold?: ThresholdSpec;
  /**
   * Which scores calibrate the threshold. 'cross-fit' (default): the rows are cut into 4
   * contiguous blocks, a model trained on the other blocks scores each block, and the threshold
   * is fitted on all those out-of-sample scores (a POT tail too thin for its level falls back to
   * a pooled lower level or an empirical bound, reported in the fit summary). Costs 4 more
   * trainings of the kept epoch count. 'holdout': the final model's scores of the validation
   * part (the last validationSplit of the rows), the calibration of earlier versions.
   */
  calibration?: CalibrationMethod;
  /**
   * Expected share of anomalies in the training rows (PyOD's name), cross-fit only. 'auto'
   * (default): after a first cross-fit round, rows whose out-of-sample score exceeds median + 6
   * x 1.4826 x MAD of those scores are taken for anomalies; the windows touching them are left
   * out of training and their scores out of calibration, and the model is fitted again (only
   * when some were found). A share p in (0, 0.5] drops the p highest-scoring rows; 0 drops none.
   * The fit summary reports `contaminatedRows`.
   */
  contamination?: Contamination;
  /** Per-column scaling fitted on the training rows. Default 'zscore'. */
  scaler?: ScalerKind;
  /** Missing (NaN / empty) cells. Default 'interpolate'. */
  missing?: MissingPolicy;
  /** Maximum epochs, in [1, 100000]. Default 'auto': about 100,000 windows in total, 10 to 100 epochs. */
  epochs?: number | 'auto';
  /** Windows per gradient step, in [1, 65536]. Default 'auto': 16, 32 or 64 by training windows. */
  batchSize?: number | 'auto';
  /** Windows drawn (without replacement) per epoch. Default 'auto': all, at most 4096. */
  windowsPerEpoch?: number | 'auto';
  /** Default 0.001 for Adam, 0.01 for SGD; in (0, 10]. */
  learningRate?: number;
  /** Default 'adam'. */
  optimizer?: OptimizerKind;
  /** SGD momentum in [0, 1). Default 0.9. Only with optimizer 'sgd'. */
  momentum?: number;
  /** L2 weight decay in [0, 1]. Default 0. */
  weightDecay?: number;
  /** Fraction of rows, taken from the END of the series, for validation and calibration, in [0, 0.9]. Default 0.2. */
  validationSplit?: number;
  /** Epochs without improvement before stopping (best weights restored); 0 = never stop early. Default 5. */
  patience?: number;
  /** Global gradient-norm clipping; 0 = off. Default 1. */
  clipNorm?: number;
  /** Learning-rate multiplier applied after each epoch, in (0, 1]. Default 1 (constant). */
  lrDecay?: number;
  /** Seeds weight initialisation and shuffling: same seed, same data, same model, bit for bit. Default 0. */
  seed?: number;
  /**
   * Native worker threads for this detector's work (process-wide setting, applied when fit and
   * detect start). Default: leave the current setting (all cores).
   */
  threads?: number;
}

/** Options chosen from the data by `fit` when left as 'auto'. */
export type AutoOption = 'hidden' | 'window' | 'epochs' | 'batchSize' | 'windowsPerEpoch';

/**
 * Options after validation, with every default filled in except the data-driven 'auto' values:
 * the model's configuration before `fit` resolves those, plus the targets and threads.
 */
export interface ResolvedOptions extends Omit<ModelConfig, AutoOption> {
  hidden: number | 'auto';
  window: number | 'auto';
  epochs: number | 'auto';
  batchSize: number | 'auto';
  windowsPerEpoch: number | 'auto';
  targets: (string | number)[] | null;
  threads: number | null;
}

export const DEFAULT_THRESHOLD: ResolvedThresholdSpec = THRESHOLD_DEFAULTS.pot;

const KNOWN_KEYS = [
  'cell',
  'nonlinearity',
  'hidden',
  'layers',
  'resetAfter',
  'mode',
  'window',
  'horizon',
  'horizonScore',
  'head',
  'varianceFloor',
  'dropout',
  'inputDropout',
  'targets',
  'score',
  'smoothing',
  'threshold',
  'calibration',
  'contamination',
  'scaler',
  'missing',
  'epochs',
  'batchSize',
  'windowsPerEpoch',
  'learningRate',
  'optimizer',
  'momentum',
  'weightDecay',
  'validationSplit',
  'patience',
  'clipNorm',
  'lrDecay',
  'seed',
  'threads',
] as const;

/** Validates user options and fills in defaults; throws InvalidArgumentError / OutOfRangeError. */
export function resolveOptions(options: unknown = {}): ResolvedOptions {
  const o = checkPlainObject('options', options ?? {});
  checkKnownKeys('options', o, KNOWN_KEYS);
  const cell = o.cell === undefined ? 'gru' : checkOneOf('options.cell', o.cell, ['rnn', 'gru', 'lstm'] as const);
  if (o.nonlinearity !== undefined && cell !== 'rnn') {
    throw new InvalidArgumentError(`options.nonlinearity applies to cell 'rnn' only, got cell '${cell}'`);
  }
  const optimizer =
    o.optimizer === undefined ? 'adam' : checkOneOf('options.optimizer', o.optimizer, ['adam', 'sgd'] as const);
  if (o.momentum !== undefined && optimizer !== 'sgd') {
    throw new InvalidArgumentError(`options.momentum applies to optimizer 'sgd' only, got optimizer '${optimizer}'`);
  }
  const mode = o.mode === undefined ? 'forecast' : checkOneOf('options.mode', o.mode, WINDOW_MODES);
  if (mode === 'reconstruct' && o.targets !== undefined) {
    throw new InvalidArgumentError(
      "options.targets applies to mode 'forecast' only; a reconstruction scores every column",
    );
  }
  if (mode === 'reconstruct' && o.horizon !== undefined && o.horizon !== 1) {
    throw new InvalidArgumentError("options.horizon applies to mode 'forecast' only");
  }
  for (const key of ['horizonScore', 'head', 'varianceFloor', 'dropout', 'inputDropout'] as const) {
    if (mode === 'reconstruct' && o[key] !== undefined)
      throw new InvalidArgumentError(`options.${key} applies to mode 'forecast' only`);
  }
  const head = o.head === undefined ? 'point' : checkOneOf('options.head', o.head, HEAD_KINDS);
  if (o.varianceFloor !== undefined && head !== 'gaussian') {
    throw new InvalidArgumentError(`options.varianceFloor applies to head 'gaussian' only, got head '${head}'`);
  }
  const score =
    o.score === undefined
      ? head === 'gaussian'
        ? 'nll'
        : 'absolute'
      : checkOneOf('options.score', o.score, SCORE_KINDS);
  if (score === 'nll' && head !== 'gaussian') {
    throw new InvalidArgumentError("options.score 'nll' needs head 'gaussian' (the network's predicted variances)");
  }
  return {
    cell,
    nonlinearity:
      o.nonlinearity === undefined
        ? 'tanh'
        : checkOneOf('options.nonlinearity', o.nonlinearity, ['tanh', 'relu'] as const),
    hidden: intOrAuto('options.hidden', o.hidden, 1, 4096),
    layers: o.layers === undefined ? 1 : checkInteger('options.layers', o.layers, 1, 8),
    resetAfter: booleanOption('options.resetAfter', o.resetAfter, true),
    mode,
    window: intOrAuto('options.window', o.window, 2, 100_000),
    horizon: o.horizon === undefined ? 1 : checkInteger('options.horizon', o.horizon, 1, 1000),
    horizonScore:
      o.horizonScore === undefined ? 'first' : checkOneOf('options.horizonScore', o.horizonScore, HORIZON_SCORES),
    head,
    varianceFloor: numberOption('options.varianceFloor', o.varianceFloor, 1e-4, 0, 100),
    dropout: numberOption('options.dropout', o.dropout, 0, 0, 0.9),
    inputDropout: numberOption('options.inputDropout', o.inputDropout, 0, 0, 0.9),
    targets: targetsOption(o.targets),
    score,
    smoothing: smoothingOption(o.smoothing),
    threshold: o.threshold === undefined ? DEFAULT_THRESHOLD : checkThresholdSpec(o.threshold, 'options.threshold'),
    calibration:
      o.calibration === undefined ? 'cross-fit' : checkOneOf('options.calibration', o.calibration, CALIBRATION_METHODS),
    contamination: contaminationOption(o.contamination),
    scaler: o.scaler === undefined ? 'zscore' : checkOneOf('options.scaler', o.scaler, SCALER_KINDS),
    missing: o.missing === undefined ? 'interpolate' : checkOneOf('options.missing', o.missing, MISSING_POLICIES),
    epochs: intOrAuto('options.epochs', o.epochs, 1, 100_000),
    batchSize: intOrAuto('options.batchSize', o.batchSize, 1, 65_536),
    windowsPerEpoch: intOrAuto('options.windowsPerEpoch', o.windowsPerEpoch, 1, 100_000_000),
    learningRate: numberOption('options.learningRate', o.learningRate, optimizer === 'adam' ? 1e-3 : 1e-2, 0, 10, true),
    optimizer,
    momentum: numberOption('options.momentum', o.momentum, 0.9, 0, 1, false, true),
    weightDecay: numberOption('options.weightDecay', o.weightDecay, 0, 0, 1),
    validationSplit: numberOption('options.validationSplit', o.validationSplit, 0.2, 0, 0.9),
    patience: o.patience === undefined ? 5 : checkInteger('options.patience', o.patience, 0, 100_000),
    clipNorm: numberOption('options.clipNorm', o.clipNorm, 1, 0, 1e6),
    lrDecay: numberOption('options.lrDecay', o.lrDecay, 1, 0, 1, true),
    seed: o.seed === undefined ? 0 : checkInteger('options.seed', o.seed, 0, 2 ** 32 - 1),
    threads: o.threads === undefined ? null : checkInteger('options.threads', o.threads, 1, 1024),
  };
}

function intOrAuto(name: string, value: unknown, min: number, max: number): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if (typeof value !== 'number') {
    throw new InvalidArgumentError(
      `${name} must be an integer in [${min}, ${max}] or 'auto', got ${describeValue(value)}`,
    );
  }
  return checkInteger(name, value, min, max);
}

function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new InvalidArgumentError(`${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/** A finite number in [min, max] (or (min, max] / [min, max) when an end is exclusive). */
function numberOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  minExclusive = false,
  maxExclusive = false,
): number {
  if (value === undefined) return fallback;
  const range = `${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(`${name} must be a number in ${range}, got ${describeValue(value)}`);
  }
  const aboveMin = minExclusive ? value > min : value >= min;
  const belowMax = maxExclusive ? value < max : value <= max;
  if (!aboveMin || !belowMax) throw new OutOfRangeError(`${name} must be a number in ${range}, got ${value}`);
  return value;
}

function contaminationOption(value: unknown): Contamination {
  if (value === undefined || value === 'auto') return 'auto';
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(
      `options.contamination must be 'auto' or a share in [0, 0.5], got ${describeValue(value)}`,
    );
  }
  if (value < 0 || value > 0.5) {
    throw new OutOfRangeError(`options.contamination must be 'auto' or a share in [0, 0.5], got ${value}`);
  }
  return value;
}

function smoothingOption(value: unknown): number {
  if (value === undefined) return 20;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(
      `options.smoothing must be 0, an EWMA alpha in (0, 1) or a span >= 1, got ${describeValue(value)}`,
    );
  }
  if (value < 0 || value > 1e6) {
    throw new OutOfRangeError(
      `options.smoothing must be 0, an EWMA alpha in (0, 1) or a span in [1, 1000000], got ${value}`,
    );
  }
  return value;
}

/**
 * The options to give `new Detector()` to get `resolved` back (used when loading a saved model).
 * `threads` is a property of the process, not of the model, and is not carried over.
 */
export function toDetectorOptions(resolved: ResolvedOptions): DetectorOptions {
  const {
    threads: _threads,
    targets,
    nonlinearity,
    momentum,
    horizon,
    horizonScore,
    head,
    varianceFloor,
    dropout,
    inputDropout,
    ...shared
  } = resolved;
  const forecast = resolved.mode === 'forecast';
  return {
    ...shared,
    ...(forecast ? { horizonScore, head, dropout, inputDropout } : {}),
    ...(head === 'gaussian' ? { varianceFloor } : {}),
    threshold: { ...resolved.threshold },
    ...(targets !== null ? { targets: [...targets] } : {}),
    ...(resolved.cell === 'rnn' ? { nonlinearity } : {}),
    ...(resolved.optimizer === 'sgd' ? { momentum } : {}),
    ...(resolved.mode === 'forecast' ? { horizon } : {}),
  };
}

function targetsOption(value: unknown): (string | number)[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidArgumentError(
      `options.targets must be a non-empty array of column names or indices, got ${describeValue(value)}`,
    );
  }
  const seen = new Set<string | number>();
  for (let i = 0; i < value.length; i++) {
    const t: unknown = value[i];
    if (typeof t === 'number') checkInteger(`options.targets[${i}]`, t, 0, 1 << 20);
    else if (typeof t !== 'string') {
      throw new InvalidArgumentError(`options.targets[${i}] must be a column name or index, got ${describeValue(t)}`);
    }
    if (seen.has(t as string | number))
      throw new InvalidArgumentError(`options.targets lists ${describeValue(t)} twice`);
    seen.add(t as string | number);
  }
  return [...value] as (string | number)[];
}
