/**
 * Continued learning: a fitted (or loaded) model fine-tuned on rows that continue the data it
 * saw last, with its scaler frozen, then its threshold re-calibrated on those rows' scores.
 * Works on a copy of the network and returns a new FittedModel, so the caller swaps it in only
 * when everything succeeded (docs/network-options.md, section 5).
 *
 * A cross-fit model also tolerates anomalies in the new rows as fit does (contamination.ts): the
 * model before the update has not learnt the new rows, so its scores of them are out of sample;
 * the rows they mark extreme, with their echoes, are left out of the fine-tuning windows and of
 * the re-calibration scores. One round only: a second look would need scores of the new rows
 * from a model that has learnt none of them, which is the model before the update again.
 */
import { InvalidDataError } from '../core/errors.js';
import type { FittedModel, UpdateSummary } from '../model/fitted-model.js';
import { predictRows } from '../model/row-predictions.js';
import { RowScorer, rowResiduals } from '../model/row-scores.js';
import { trainingStarts, type WindowShape } from '../model/window-starts.js';
import { GaussianErrorModel } from '../scoring/gaussian-error-model.js';
import { fitThreshold } from '../thresholds/index.js';
import { cleanStarts, smoothingMemory, trimStep } from './contamination.js';
import { runTraining, type TrainingHooks } from './train-loop.js';

export interface ContinuedLearningSettings {
  epochs: number;
  learningRate: number;
}

/** The given columns of a row-major matrix, as a new rows x picked matrix. */
export function pickColumns(values: Float32Array, rows: number, columns: number, picked: Int32Array): Float32Array {
  const out = new Float32Array(rows * picked.length);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < picked.length; j++) out[r * picked.length + j] = values[r * columns + picked[j]!]!;
  return out;
}

/**
 * `values`: the new rows (filled, original units, the model's columns), continuing the model's
 * stored context. Returns the updated model; `model` itself is not touched.
 */
export async function continueLearning(
  model: FittedModel,
  values: Float32Array,
  settings: ContinuedLearningSettings,
  hooks: TrainingHooks = {},
): Promise<FittedModel> {
  const began = performance.now();
  const { config } = model;
  const columns = model.columnNames.length;
  const newRows = values.length / columns;
  const contextRows = model.context.length / columns;
  const rows = contextRows + newRows;
  const combined = new Float32Array(rows * columns);
  combined.set(model.context);
  combined.set(values, model.context.length);
  const scaled = model.scaler.transformValues(combined);
  const shape: WindowShape = { mode: config.mode, window: config.window, horizon: config.horizon };
  const allStarts = trainingStarts(shape, rows);
  if (allStarts.length === 0) {
    throw new InvalidDataError(
      `update needs at least one whole window: ${newRows} new row(s) after ${contextRows} stored row(s) of context, ` +
        `a window spans ${config.window}${config.mode === 'forecast' ? ` + ${config.horizon}` : ''} rows`,
    );
  }
  const dropped = await extremeNewRows(model, scaled, rows, contextRows, hooks.signal);
  const cleaned = dropped ? cleanStarts(allStarts, shape, dropped) : allStarts;
  // A trim that would leave nothing to learn from is not applied (as in fit).
  const trimmed = cleaned.length > 0 ? dropped : null;
  const starts = trimmed ? cleaned : allStarts;
  const previous = model.summary.updates ?? [];
  // Each update shuffles and draws dropout masks from its own seed: the same fit followed by the
  // same updates gives the same weights.
  const seed = (Math.imul(0x9e3779b9, previous.length + 1) + config.seed) >>> 0;
  const network = model.network.copy(seed);
  const outcome = await runTraining(
    network,
    {
      shape,
      inputs: scaled,
      columns,
      targets: config.mode === 'forecast' ? pickColumns(scaled, rows, columns, model.features) : null,
      targetColumns: model.features.length,
      trainStarts: starts,
      validationStarts: new Int32Array(0),
    },
    {
      epochs: settings.epochs,
      batchSize: config.batchSize,
      windowsPerEpoch: starts.length,
      optimizer: {
        optimizer: config.optimizer,
        learningRate: settings.learningRate,
        weightDecay: config.weightDecay,
        clipNorm: config.clipNorm,
        ...(config.optimizer === 'sgd' ? { momentum: config.momentum } : {}),
      },
      lrDecay: 1,
      patience: 0,
      seed,
    },
    hooks,
  );

  // Re-calibration on the new rows, scored by the updated network with the smoothing continuing
  // from the end of the data seen before.
  const predictions = await predictRows({
    network,
    shape,
    values: scaled,
    rows,
    columns,
    features: model.features,
    horizonScore: config.horizonScore,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
  const from = Math.max(predictions.firstScored, contextRows);
  const features = model.features.length;
  const keptRows = (values: Float32Array, width: number): Float32Array =>
    trimmed ? values.filter((_, i) => trimmed[from + Math.floor(i / width)] === 0) : values;
  let gaussian = model.gaussian;
  if (config.score === 'loglik') {
    try {
      const residuals = keptRows(rowResiduals(predictions, from, rows), features);
      gaussian = GaussianErrorModel.fit(residuals, residuals.length / features, features);
    } catch (cause) {
      if (!(cause instanceof InvalidDataError)) throw cause;
    }
  }
  const scorer = new RowScorer({ kind: config.score, smoothing: config.smoothing, gaussian, features });
  const scored = await scorer.scoreRows(predictions, from, rows, {
    start: model.trainingEnd,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
  // Too few or too uniform rows for the threshold method keep the previous threshold.
  let threshold = model.threshold;
  let recalibrated = false;
  try {
    threshold = fitThreshold(config.threshold, keptRows(scored.scores, 1));
    recalibrated = true;
  } catch (cause) {
    if (!(cause instanceof InvalidDataError)) throw cause;
  }
  const update: UpdateSummary = {
    rows: newRows,
    windows: starts.length,
    epochs: outcome.history.length,
    loss: outcome.history.map((e) => e.loss),
    thresholdRecalibrated: recalibrated,
    contaminatedRows: trimmed ? trimmed.reduce((sum, v) => sum + v, 0) : 0,
    threshold: threshold.current,
    elapsedMs: performance.now() - began,
  };
  const keep = Math.min(config.window, rows);
  return {
    ...model,
    network,
    gaussian,
    threshold,
    context: combined.slice((rows - keep) * columns),
    trainingEnd: scored.end,
    summary: { ...model.summary, threshold: threshold.current, updates: [...previous, update] },
  };
}

/**
 * The rows of the combined series (stored context, then the new rows) that a cross-fit model's
 * contamination rule takes for anomalies, echoes included, judged on the scores of the model
 * before the update; null when nothing is dropped (holdout models, contamination 0, no
 * extreme row, or an 'auto' rule that would take more than its cap: trimStep).
 */
async function extremeNewRows(
  model: FittedModel,
  scaled: Float32Array,
  rows: number,
  contextRows: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array | null> {
  const { config } = model;
  if (config.calibration !== 'cross-fit' || config.contamination === 0) return null;
  const predictions = await predictRows({
    network: model.network,
    shape: { mode: config.mode, window: config.window, horizon: config.horizon },
    values: scaled,
    rows,
    columns: model.columnNames.length,
    features: model.features,
    horizonScore: config.horizonScore,
    ...(signal ? { signal } : {}),
  });
  const from = Math.max(predictions.firstScored, contextRows);
  if (from >= rows) return null;
  const scorer = RowScorer.forModel(model);
  const { scores } = await scorer.scoreRows(predictions, from, rows, {
    start: model.trainingEnd,
    ...(signal ? { signal } : {}),
  });
  const step = trimStep(scores, from, rows, config.contamination, config.window + smoothingMemory(scorer.alpha), null);
  return step?.grew ? step.rows : null;
}
