/**
 * Everything a trained detector knows, in one immutable bundle: `fit` builds a new one and swaps
 * it in only when training and calibration succeeded, `detect` and streams read it, and the
 * model file stores it.
 */
import type { AnomalyNetwork } from '../engine/anomaly-network.js';
import type { Scaler } from '../data/scaler.js';
import type { ResolvedOptions } from '../detector/detector-options.js';
import type { GaussianErrorModel } from '../scoring/gaussian-error-model.js';
import type { ThresholdModel } from '../thresholds/model.js';
import type { EpochInfo, StopReason } from '../training/train-loop.js';

/**
 * The options a model was trained with, every 'auto' replaced by the value chosen. Targets live
 * in `FittedModel.features` and threads belong to the process, so neither is part of a model.
 */
export type ModelConfig = Omit<ResolvedOptions, AutoOption | 'targets' | 'threads'> & Record<AutoOption, number>;

type AutoOption = 'hidden' | 'window' | 'epochs' | 'batchSize' | 'windowsPerEpoch';

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
  /** Where the threshold was calibrated: the validation rows, or the training rows when validationSplit is 0. */
  calibration: 'validation' | 'training';
  calibrationRows: number;
  /** Threshold after calibration (the value streams start from). */
  threshold: number | null;
  /** Dominant period found when the window was 'auto' (null otherwise or when none). */
  period: number | null;
  parameters: number;
  elapsedMs: number;
  /** The resolved configuration, 'auto' values included. */
  config: ModelConfig;
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
  summary: FitSummary;
}
