/**
 * Everything a trained detector knows, in one immutable bundle: `fit` builds a new one and swaps
 * it in only when training and calibration succeeded, `detect` and streams read it, and the
 * model file stores it.
 */
import type { MissingPolicy } from '../data/missing-values.js';
import type { Scaler, ScalerKind } from '../data/scaler.js';
import type { AnomalyNetwork, HeadKind, OptimizerSpec } from '../engine/anomaly-network.js';
import type { CellType, Nonlinearity } from '../engine/cell-spec.js';
import type { GaussianErrorModel } from '../scoring/gaussian-error-model.js';
import type { ScoreKind } from '../scoring/score-kind.js';
import type { ThresholdModel } from '../thresholds/model.js';
import type { ResolvedThresholdSpec } from '../thresholds/spec.js';
import type { TailFitReport } from '../thresholds/thin-tail.js';
import type { HorizonScore } from './row-predictions.js';
import type { SmoothingState } from './row-scores.js';
import type { WindowMode } from './window-starts.js';

export type OptimizerKind = OptimizerSpec['optimizer'];

/**
 * Which scores calibrate the threshold: 'cross-fit' scores every row by a model that did not learn
 * from it (src/training/cross-fit.ts); 'holdout' scores the validation part (the last
 * validationSplit of the rows) with the final model, or the training rows without one.
 */
export type CalibrationMethod = 'cross-fit' | 'holdout';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['cross-fit', 'holdout'];

/**
 * Expected share of anomalies in the training rows (PyOD's name): 'auto' drops rows whose
 * out-of-sample score is extreme by a robust rule, a share p in [0, 0.5] drops the p highest
 * (0: none). Cross-fit only (src/training/contamination.ts).
 */
export type Contamination = 'auto' | number;

/**
 * The settings a model was trained with, every 'auto' replaced by the value chosen (the meaning
 * of each is documented on DetectorOptions, which resolve into this). Targets live in
 * `FittedModel.features` and threads belong to the process, so neither is part of a model.
 */
export interface ModelConfig {
  cell: CellType;
  nonlinearity: Nonlinearity;
  hidden: number;
  layers: number;
  resetAfter: boolean;
  mode: WindowMode;
  window: number;
  horizon: number;
  horizonScore: HorizonScore;
  head: HeadKind;
  varianceFloor: number;
  dropout: number;
  inputDropout: number;
  score: ScoreKind;
  smoothing: number;
  threshold: ResolvedThresholdSpec;
  calibration: CalibrationMethod;
  contamination: Contamination;
  scaler: ScalerKind;
  missing: MissingPolicy;
  epochs: number;
  batchSize: number;
  windowsPerEpoch: number;
  learningRate: number;
  optimizer: OptimizerKind;
  momentum: number;
  weightDecay: number;
  validationSplit: number;
  patience: number;
  clipNorm: number;
  lrDecay: number;
  seed: number;
}

export interface EpochInfo {
  /** 1-based. */
  epoch: number;
  /** Epochs planned (training may stop earlier). */
  epochs: number;
  /** Mean training loss (MSE, scaled units) over the epoch's batches, measured before each update. */
  loss: number;
  /** Validation MSE after the epoch, or null without a validation part. */
  valLoss: number | null;
  /** Learning rate used during this epoch. */
  lr: number;
  /** Milliseconds since training started. */
  elapsedMs: number;
  /** Estimated milliseconds until the planned epochs are done (early stopping may end sooner). */
  etaMs: number;
  /** Whether this epoch improved the monitored loss (validation if present, else training). */
  improved: boolean;
  /**
   * Which training of a fit the epoch belongs to: set in the calls of fit's onEpochEnd, absent
   * from `FitSummary.history` (the final model's epochs) and from update's calls.
   */
  stage?: TrainingStage;
}

/**
 * A fit trains the final model and, under cross-fit, one model per fold (concurrently, so their
 * epochs interleave; each fold's arrive in order), and again in each trimming round.
 */
export interface TrainingStage {
  /** 'final': the model fit returns; 'fold': a cross-fit fold model, which scores its block of rows. */
  model: 'final' | 'fold';
  /** 1-based fold number, for 'fold'; null for 'final'. */
  fold: number | null;
  /** Folds of the cross-fit (4), for 'fold'; null for 'final'. */
  folds: number | null;
  /** 0 for the first training; r >= 1 for the r-th refit after contaminated rows were left out. */
  round: number;
}

export type StopReason = 'completed' | 'early-stopping' | 'diverged';

/** What `fit` returns (and what a saved model remembers about its training). */
export interface FitSummary {
  /** Epochs actually run. */
  epochs: number;
  /** Epoch whose weights were kept (1-based). */
  bestEpoch: number;
  stopReason: StopReason;
  /** Training loss per epoch (MSE in scaled units). */
  loss: number[];
  /** Validation loss per epoch; empty without a validation part. */
  valLoss: number[];
  history: EpochInfo[];
  trainRows: number;
  validationRows: number;
  trainWindows: number;
  validationWindows: number;
  /**
   * Which scores the threshold was calibrated on: out-of-sample scores of every scored row
   * ('cross-fit'), the validation rows, or the training rows when validationSplit is 0 (both 'holdout').
   */
  calibration: 'cross-fit' | 'validation' | 'training';
  calibrationRows: number;
  /**
   * How a POT threshold was fitted (the configured tail, a pooled lower level or the empirical
   * fallback, src/thresholds/thin-tail.ts); null for the other methods and under 'holdout'.
   * Absent in summaries written before it was reported.
   */
  thresholdFit?: TailFitReport | null;
  /**
   * Rows taken for anomalies in the training data and left out of training and calibration
   * (options.contamination); 0 under 'holdout'. Absent in summaries written before it was reported.
   */
  contaminatedRows?: number;
  /** What the fit wants the user to know (e.g. too few rows for the tail); empty when all is well. */
  warnings?: string[];
  /** Threshold after calibration (the value streams start from). */
  threshold: number | null;
  /** Dominant period found when the window was 'auto' (null otherwise or when none). */
  period: number | null;
  parameters: number;
  elapsedMs: number;
  /** The resolved configuration, 'auto' values included. */
  config: ModelConfig;
  /** One entry per `detector.update` since the fit, oldest first (absent before the first). */
  updates?: UpdateSummary[];
}

/** What `detector.update` returns (and what the model file remembers of each update). */
export interface UpdateSummary {
  /** New rows given. */
  rows: number;
  /** Windows trained on (the stored context rows before the new ones included). */
  windows: number;
  epochs: number;
  /** Training loss per epoch (scaled units), measured before each update. */
  loss: number[];
  /** False when the new rows could not calibrate the threshold method: the previous threshold was kept. */
  thresholdRecalibrated: boolean;
  /**
   * New rows taken for anomalies (their scores by the model before the update extreme by
   * options.contamination, their echoes included) and left out of the fine-tuning windows and of
   * the re-calibration; 0 for holdout models and contamination 0. Absent in model files written
   * before it was reported.
   */
  contaminatedRows?: number;
  /** Threshold after the update (null when set per row). */
  threshold: number | null;
  elapsedMs: number;
}

export interface FittedModel {
  config: ModelConfig;
  columnNames: readonly string[];
  /** Scored columns: forecast targets in output order, or every column when reconstructing. */
  features: Int32Array;
  network: AnomalyNetwork;
  scaler: Scaler;
  gaussian: GaussianErrorModel | null;
  threshold: ThresholdModel;
  /** The last `window` training rows (filled, original units): history for detect({ context: 'training' }). */
  context: Float32Array;
  /**
   * The score smoothing after the last training row, as if the whole training series had been
   * scored: detect({ context: 'training' }) continues from it, so the rows after the cut get
   * the scores they would get inside one series.
   */
  trainingEnd: SmoothingState;
  summary: FitSummary;
}
