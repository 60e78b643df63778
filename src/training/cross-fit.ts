/**
 * Cross-fit calibration: every scored row of the fit series gets a score from a model that did
 * not learn from it, so the threshold is fitted on all rows instead of on the last validation
 * part only. The scored rows are cut into `folds` contiguous blocks in time order; the model of
 * a fold is trained on the windows that touch none of its rows (windows straddling the block's
 * edges are left out, so no target or input row of the block is learned) and predicts the
 * block's rows. The fold models are trained concurrently: each runs its steps on the native
 * threads, and their jobs take turns in the native pool.
 */
import { InvalidDataError } from '../core/errors.js';
import type { AnomalyNetwork } from '../engine/anomaly-network.js';
import type { EpochInfo } from '../model/fitted-model.js';
import { predictRows, type HorizonScore, type RowPredictions } from '../model/row-predictions.js';
import { firstScoredRow, windowSpan, type WindowShape } from '../model/window-starts.js';
import { runTraining, type TrainingData, type TrainingSettings } from './train-loop.js';

/** Blocks the scored rows are cut into: each fold model learns from three quarters of the rows. */
export const CROSS_FIT_FOLDS = 4;
/** Out-of-sample scores below which no threshold is fitted at all. */
export const MIN_CALIBRATION_SCORES = 20;

export interface Fold {
  /** Rows [start, end) scored by this fold's model. */
  start: number;
  end: number;
  /** Windows the fold's model trains on: none of them reads or predicts a row of [start, end). */
  trainStarts: Int32Array;
}

/** The folds of a series of `rows` rows, or null when one of them would have no training window. */
export function crossFitFolds(shape: WindowShape, rows: number, folds = CROSS_FIT_FOLDS): Fold[] | null {
  const first = firstScoredRow(shape);
  const scored = rows - first;
  if (scored < folds) return null;
  const span = windowSpan(shape);
  const lastStart = rows - span;
  const out: Fold[] = [];
  for (let f = 0; f < folds; f++) {
    const start = first + Math.floor((scored * f) / folds);
    const end = first + Math.floor((scored * (f + 1)) / folds);
    const starts: number[] = [];
    for (let s = 0; s <= lastStart; s++) if (s + span <= start || s >= end) starts.push(s);
    if (starts.length === 0) return null;
    out.push({ start, end, trainStarts: Int32Array.from(starts) });
  }
  return out;
}

/** Whether cross-fit can calibrate a series of `rows` rows: folds with training windows and enough scores. */
export function crossFitFeasible(shape: WindowShape, rows: number): boolean {
  return rows - firstScoredRow(shape) >= MIN_CALIBRATION_SCORES && crossFitFolds(shape, rows) !== null;
}

/** The fewest rows cross-fit can calibrate with `shape` (searched upwards from `rows`). */
export function rowsForCrossFit(shape: WindowShape, rows: number): number {
  let n = Math.max(rows, firstScoredRow(shape) + MIN_CALIBRATION_SCORES);
  while (!crossFitFeasible(shape, n)) n++;
  return n;
}

export interface CrossFitInput {
  /** A fresh, untrained network of the final model's architecture and seed. */
  newNetwork: () => AnomalyNetwork;
  data: Omit<TrainingData, 'trainStarts' | 'validationStarts'>;
  rows: number;
  /** Scored features (column indices). */
  features: Int32Array;
  horizonScore: HorizonScore;
  /** The final model's settings with its epoch budget; fold models run exactly that many epochs. */
  settings: TrainingSettings;
  folds: Fold[];
  /** Rows before each fold scored only to warm the score smoothing (its memory). */
  warmup: number;
  signal?: AbortSignal;
  /** Called after every epoch of a fold model; `fold` is 0-based. */
  onEpochEnd?: (fold: number, info: EpochInfo) => void | Promise<void>;
}

export interface FoldPredictions {
  fold: Fold;
  /** Predictions of a slice of the series whose scored rows begin at `offset`. */
  predictions: RowPredictions;
  /** Row of the slice that is the fold's first row. */
  offset: number;
}

/** Trains the fold models and returns each fold's out-of-sample predictions. */
export async function crossFitPredictions(input: CrossFitInput): Promise<FoldPredictions[]> {
  const { data, folds, signal } = input;
  const { shape, inputs, columns } = data;
  const settings: TrainingSettings = { ...input.settings, patience: 0 };
  if (settings.epochs < 1) throw new InvalidDataError('cross-fit calibration needs at least one training epoch');
  return Promise.all(
    folds.map(async (fold, index) => {
      const network = input.newNetwork();
      const onEpochEnd = input.onEpochEnd;
      await runTraining(
        network,
        { ...data, trainStarts: fold.trainStarts, validationStarts: new Int32Array(0) },
        settings,
        {
          ...(signal ? { signal } : {}),
          ...(onEpochEnd ? { onEpochEnd: (info: EpochInfo) => onEpochEnd(index, info) } : {}),
        },
      );
      // The slice starts early enough that the fold's first row has its full window (and, with
      // horizonScore 'mean', every step-ahead prediction of it), plus `warmup` rows whose scores
      // warm the smoothing, so the fold's first scores are smoothed as they are in one series.
      const lead = firstScoredRow(shape) + (shape.mode === 'forecast' ? shape.horizon - 1 : 0) + input.warmup;
      const from = Math.max(0, fold.start - lead);
      const predictions = await predictRows({
        network,
        shape,
        values: inputs.subarray(from * columns, fold.end * columns),
        rows: fold.end - from,
        columns,
        features: input.features,
        horizonScore: input.horizonScore,
        ...(signal ? { signal } : {}),
      });
      return { fold, predictions, offset: fold.start - from };
    }),
  );
}
