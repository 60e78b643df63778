/**
 * The Detector: trains a recurrent network on a time series, calibrates a threshold on held-out
 * scores, finds anomalies in new data, streams, and saves to / loads from one model file.
 *
 * ```ts
 * const detector = new Detector({ cell: 'gru' });
 * await detector.fit(series);
 * const result = await detector.detect(series);
 * ```
 */
import { checkInteger, checkNumber, checkPlainObject, describeValue } from '../core/argument-checks.js';
import { fillMissing } from '../data/missing-values.js';
import { Scaler } from '../data/scaler.js';
import { TimeSeries } from '../data/time-series.js';
import { AnomalyNetwork } from '../engine/anomaly-network.js';
import { setThreads } from '../engine/runtime.js';
import { InvalidArgumentError, InvalidDataError, NotFittedError } from '../core/errors.js';
import { resolveOptions, toDetectorOptions, type DetectorOptions, type ResolvedOptions } from './detector-options.js';
import { writeFileAtomic } from '../persistence/atomic-write.js';
import { fromSnapshot, toSnapshot, type OptionRules } from '../persistence/detector-snapshot.js';
import { decodeModelFile, encodeModelFile, readModelFile } from '../persistence/model-file.js';
import { DetectionResult } from '../results/detection-result.js';
import { extractEvents } from '../results/events.js';
import { GaussianErrorModel } from '../scoring/gaussian-error-model.js';
import { StreamPool, type StreamPoolOptions } from '../streaming/stream-pool.js';
import { StreamingDetector, type StreamOptions } from '../streaming/streaming-detector.js';
import {
  fitPotWithFallback,
  fitThreshold,
  scoresForTail,
  type TailFitReport,
  type ThresholdModel,
} from '../thresholds/index.js';
import { planFit, type FitPlan } from '../training/fit-plan.js';
import type {
  EpochInfo,
  FitSummary,
  FittedModel,
  ModelConfig,
  TrainingStage,
  UpdateSummary,
} from '../model/fitted-model.js';
import { predictRows, type RowPredictions } from '../model/row-predictions.js';
import { FRESH_SMOOTHING, RowScorer, rowResiduals } from '../model/row-scores.js';
import { firstScoredRow, minimumScoringRows, type WindowShape } from '../model/window-starts.js';
import { continueLearning, pickColumns } from '../training/continued-learning.js';
import { runTraining, type TrainingSettings } from '../training/train-loop.js';
import { MAX_TRIM_ROUNDS, cleanStarts, smoothingMemory, trimStep } from '../training/contamination.js';
import { smoothingAlpha } from '../scoring/ewma.js';
import {
  CROSS_FIT_FOLDS,
  MIN_CALIBRATION_SCORES,
  crossFitFeasible,
  crossFitFolds,
  crossFitPredictions,
  rowsForCrossFit,
  type CrossFitInput,
  type FoldPredictions,
} from '../training/cross-fit.js';

/** The rules a loaded model's configuration and options must pass: the Detector's own. */
const OPTION_RULES: OptionRules = {
  resolve: resolveOptions,
  unresolve: (resolved) => toDetectorOptions(resolved as ResolvedOptions),
};

/** A TimeSeries, one number per row (column "value"), or one array per row (columns "c0", "c1", ...). */
export type SeriesInput = TimeSeries | ArrayLike<number | null> | readonly ArrayLike<number | null>[];

export interface FitOptions {
  /** Called after every epoch; may return a promise, which is awaited. */
  onEpochEnd?: (info: EpochInfo) => void | Promise<void>;
  /** Aborting rejects fit with AbortError and leaves the detector as it was. */
  signal?: AbortSignal;
}

export interface UpdateOptions {
  /** Passes over the new rows' windows, in [1, 100000]. Default 1. */
  epochs?: number;
  /** In (0, 10]. Default: the fit's learning rate. The optimizer moments start from zero. */
  learningRate?: number;
  /** Called after every epoch; may return a promise, which is awaited. */
  onEpochEnd?: (info: EpochInfo) => void | Promise<void>;
  /** Aborting rejects update with AbortError and leaves the detector as it was. */
  signal?: AbortSignal;
}

export interface DetectOptions {
  /**
   * History before the first row, so that the first rows get a full window (otherwise the
   * first `window` rows in forecast mode, `window - 1` in reconstruct mode, are unscored):
   * - 'none' (default): the series stands alone;
   * - 'training': the series continues the training series (its last `window` rows are kept in
   *   the model for this);
   * - a TimeSeries with the same columns: the rows just before the series.
   * Either way the rows after the seam get the scores they would get in one continuous series:
   * the score smoothing continues from the end of the training series (kept in the model) or
   * runs over the given context rows, which are scored for that purpose and not reported.
   */
  context?: 'none' | 'training' | TimeSeries;
  /**
   * Flagged runs separated by fewer than this many unflagged rows become one event. Default:
   * the model's window. A score hovering at the threshold while one incident passes through the
   * window would otherwise split that incident into many short events. 0 keeps every run apart.
   */
  eventGap?: number;
  signal?: AbortSignal;
}

export class Detector {
  /** The options as given, validated, with defaults filled in ('auto' values stay 'auto'). */
  readonly options: Readonly<ResolvedOptions>;
  private model: FittedModel | null = null;

  constructor(options: DetectorOptions = {}) {
    this.options = Object.freeze(resolveOptions(options));
  }

  /** True once fit succeeded (or the detector was loaded). */
  get fitted(): boolean {
    return this.model !== null;
  }

  /** The configuration the current model was trained with, 'auto' values resolved. */
  get config(): Readonly<ModelConfig> {
    return this.requireModel('config').config;
  }

  /** The summary of the training that produced the current model. */
  get summary(): Readonly<FitSummary> {
    return this.requireModel('summary').summary;
  }

  /** Columns the model was trained on, in order: detect() and streams need the same. */
  get columnNames(): readonly string[] {
    return this.requireModel('columnNames').columnNames;
  }

  /** The trained network (weights, PyTorch-style parameter names). */
  get network(): AnomalyNetwork {
    return this.requireModel('network').network;
  }

  /**
   * Trains a new model on `series` and calibrates its threshold. The previous model, if any,
   * stays in place until this succeeds, so a failed or aborted fit changes nothing.
   */
  async fit(input: SeriesInput, fitOptions: FitOptions = {}): Promise<FitSummary> {
    const { onEpochEnd, signal } = checkFitOptions(fitOptions);
    const began = performance.now();
    const o = this.options;
    const series = toSeries(input, 'series');
    if (series.rows === 0) throw new InvalidDataError('series is empty: fit needs rows to learn from');
    const filled = fillMissing(series, o.missing);
    const features = resolveFeatures(o, filled);
    const plan = planFit(o, filled.values, filled.rows, filled.columns, features[0]!);
    const folds = o.calibration === 'cross-fit' ? crossFitFolds(plan.shape, plan.rows) : null;
    if (o.calibration === 'cross-fit' && (folds === null || !crossFitFeasible(plan.shape, plan.rows))) {
      throw new InvalidDataError(tooFewRowsMessage(plan, rowsForCrossFit(plan.shape, plan.rows)));
    }
    const scaler = new Scaler(o.scaler).fit(filled.slice(0, plan.trainRows));
    const scaled = scaler.transformValues(filled.values);
    const config: ModelConfig = {
      cell: o.cell,
      nonlinearity: o.nonlinearity,
      resetAfter: o.resetAfter,
      hidden: plan.hidden,
      layers: o.layers,
      mode: o.mode,
      window: plan.shape.window,
      horizon: plan.shape.horizon,
      horizonScore: o.horizonScore,
      head: o.head,
      varianceFloor: o.varianceFloor,
      dropout: o.dropout,
      inputDropout: o.inputDropout,
      score: o.score,
      smoothing: o.smoothing,
      threshold: o.threshold,
      calibration: o.calibration,
      contamination: o.contamination,
      scaler: o.scaler,
      missing: o.missing,
      epochs: plan.epochs,
      batchSize: plan.batchSize,
      windowsPerEpoch: plan.windowsPerEpoch,
      learningRate: o.learningRate,
      optimizer: o.optimizer,
      momentum: o.momentum,
      weightDecay: o.weightDecay,
      validationSplit: o.validationSplit,
      patience: o.patience,
      clipNorm: o.clipNorm,
      lrDecay: o.lrDecay,
      seed: o.seed,
    };
    if (o.threads !== null) setThreads(o.threads);

    const newNetwork = (): AnomalyNetwork =>
      new AnomalyNetwork(
        {
          cell: o.cell,
          ...(o.cell === 'rnn' ? { nonlinearity: o.nonlinearity } : {}),
          resetAfter: o.resetAfter,
          inputSize: filled.columns,
          hiddenSize: plan.hidden,
          layers: o.layers,
          mode: o.mode,
          outputSize: o.mode === 'forecast' ? plan.shape.horizon * features.length : filled.columns,
          ...(o.mode === 'forecast'
            ? { head: o.head, varianceFloor: o.varianceFloor, dropout: o.dropout, inputDropout: o.inputDropout }
            : {}),
        },
        o.seed,
      );
    const trainingData = {
      shape: plan.shape,
      inputs: scaled,
      columns: filled.columns,
      targets: o.mode === 'forecast' ? pickColumns(scaled, filled.rows, filled.columns, features) : null,
      targetColumns: features.length,
    };
    const trainingSettings: TrainingSettings = {
      epochs: plan.epochs,
      batchSize: plan.batchSize,
      windowsPerEpoch: plan.windowsPerEpoch,
      optimizer: {
        optimizer: o.optimizer,
        learningRate: o.learningRate,
        weightDecay: o.weightDecay,
        clipNorm: o.clipNorm,
        ...(o.optimizer === 'sgd' ? { momentum: o.momentum } : {}),
      },
      lrDecay: o.lrDecay,
      patience: o.patience,
      seed: o.seed,
    };
    // One round: the final model on the training windows, then its threshold; `dropped` (rows
    // taken for anomalies, options.contamination) removes windows and calibration scores.
    // `round` counts the refits, for the stage onEpochEnd reports.
    const trainAndCalibrate = async (dropped: Uint8Array | null, round: number) => {
      const report = (stage: TrainingStage) =>
        onEpochEnd ? { onEpochEnd: (info: EpochInfo) => onEpochEnd({ ...info, stage }) } : {};
      const hooks = { ...report({ model: 'final', fold: null, folds: null, round }), ...(signal ? { signal } : {}) };
      const clean = (starts: Int32Array): Int32Array => (dropped ? cleanStarts(starts, plan.shape, dropped) : starts);
      const network = newNetwork();
      const outcome = await runTraining(
        network,
        { ...trainingData, trainStarts: clean(plan.trainStarts), validationStarts: clean(plan.validationStarts) },
        trainingSettings,
        hooks,
      );
      const predictions = await predictRows({
        network,
        shape: plan.shape,
        values: scaled,
        rows: filled.rows,
        columns: filled.columns,
        features,
        horizonScore: o.horizonScore,
        ...(signal ? { signal } : {}),
      });
      const calibrated =
        folds !== null
          ? await crossFitCalibration(
              o,
              {
                folds: folds.map((f) => ({ ...f, trainStarts: clean(f.trainStarts) })),
                warmup: smoothingMemory(smoothingAlpha(o.smoothing)),
                newNetwork,
                data: trainingData,
                rows: filled.rows,
                features,
                horizonScore: o.horizonScore,
                settings: { ...trainingSettings, epochs: outcome.bestEpoch },
                ...(signal ? { signal } : {}),
                ...(onEpochEnd
                  ? {
                      onEpochEnd: (fold: number, info: EpochInfo) =>
                        onEpochEnd({ ...info, stage: { model: 'fold', fold: fold + 1, folds: folds.length, round } }),
                    }
                  : {}),
              },
              dropped,
            )
          : await holdoutCalibration(o, plan, predictions, features.length, signal);
      return { network, outcome, predictions, calibrated };
    };
    let round = await trainAndCalibrate(null, 0);
    let dropped: Uint8Array | null = null;
    if (folds !== null && o.contamination !== 0) {
      const first = folds[0]!.start;
      const alpha = smoothingAlpha(o.smoothing);
      const echo = plan.shape.window + smoothingMemory(alpha);
      for (let pass = 0; pass < MAX_TRIM_ROUNDS; pass++) {
        const step = trimStep(round.calibrated.scores, first, filled.rows, o.contamination, echo, dropped);
        if (step === null) break;
        const next = step.rows;
        // A trim that would leave a model nothing to learn from, or the threshold too few scores, is not applied.
        const kept = filled.rows - first - next.reduce((sum, v) => sum + v, 0);
        const trainable =
          kept >= MIN_CALIBRATION_SCORES &&
          cleanStarts(plan.trainStarts, plan.shape, next).length > 0 &&
          folds.every((f) => cleanStarts(f.trainStarts, plan.shape, next).length > 0);
        if (!step.grew || !trainable) break;
        round = await trainAndCalibrate(next, pass + 1);
        dropped = next;
        // A fixed share is dropped once; 'auto' looks again with the cleaner models.
        if (o.contamination !== 'auto') break;
      }
    }
    const contaminatedRows = dropped ? dropped.reduce((sum, v) => sum + v, 0) : 0;
    const { network, outcome, predictions, calibrated } = round;
    const { gaussian, threshold, calibrationRows } = calibrated;
    const scorer = new RowScorer({ kind: o.score, smoothing: o.smoothing, gaussian, features: features.length });

    const summary: FitSummary = {
      epochs: outcome.history.length,
      bestEpoch: outcome.bestEpoch,
      stopReason: outcome.stopReason,
      loss: outcome.history.map((e) => e.loss),
      valLoss: plan.validationStarts.length > 0 ? outcome.history.map((e) => e.valLoss!) : [],
      history: outcome.history,
      trainRows: plan.trainRows,
      validationRows: plan.validationRows,
      trainWindows: plan.trainStarts.length,
      validationWindows: plan.validationStarts.length,
      calibration: o.calibration === 'cross-fit' ? 'cross-fit' : plan.validationRows > 0 ? 'validation' : 'training',
      calibrationRows,
      thresholdFit: calibrated.thresholdFit,
      contaminatedRows,
      warnings: calibrated.warnings,
      threshold: threshold.current,
      period: plan.period,
      parameters: network.paramCount,
      elapsedMs: performance.now() - began,
      config,
    };
    // The smoothing state at the end of the whole training series, so that detect(rest, { context:
    // 'training' }) continues it. Scoring these rows once here is cheaper than re-scoring them on
    // every detect, and exact: the same scorer, model and rows as a detect of the whole series.
    const trainingEnd =
      scorer.alpha < 1
        ? (await scorer.scoreRows(predictions, firstScoredRow(plan.shape), filled.rows, signal ? { signal } : {})).end
        : { ...FRESH_SMOOTHING };
    const window = plan.shape.window;
    this.model = {
      config,
      columnNames: filled.columnNames,
      features,
      network,
      scaler,
      gaussian,
      threshold,
      context: filled.values.slice((filled.rows - Math.min(window, filled.rows)) * filled.columns),
      trainingEnd,
      summary,
    };
    return summary;
  }

  /**
   * Continued learning: fine-tunes the fitted (or loaded) model on `rows`, which continue the
   * data it saw last (the stored context of the fit or of the previous update goes before
   * them), with the scaler frozen; then re-calibrates the threshold on the new rows' scores
   * (rows too few for the threshold method keep the previous one). The rows are assumed mostly
   * normal, as fit's are; a cross-fit model applies its `contamination` rule to them, judged on
   * the scores of the model before the update (UpdateSummary.contaminatedRows). Deterministic
   * for the fit's seed and the sequence of updates; a failed or aborted update changes nothing.
   */
  async update(input: SeriesInput, updateOptions: UpdateOptions = {}): Promise<UpdateSummary> {
    const model = this.requireModel('update');
    const { epochs, learningRate, onEpochEnd, signal } = checkUpdateOptions(updateOptions, model.config.learningRate);
    const series = toSeries(input, 'rows');
    checkColumns(series, model.columnNames, 'rows');
    if (series.rows === 0) throw new InvalidDataError('rows is empty: update needs rows to learn from');
    if (this.options.threads !== null) setThreads(this.options.threads);
    const filled = fillMissing(series, model.config.missing);
    const updated = await continueLearning(
      model,
      filled.values,
      { epochs, learningRate },
      { ...(onEpochEnd ? { onEpochEnd } : {}), ...(signal ? { signal } : {}) },
    );
    this.model = updated;
    return updated.summary.updates![updated.summary.updates!.length - 1]!;
  }

  /**
   * Scores every row of `series`, thresholds the scores and groups flagged rows into events.
   * The series must have the training columns, in the same order.
   */
  async detect(input: SeriesInput, detectOptions: DetectOptions = {}): Promise<DetectionResult> {
    const model = this.requireModel('detect');
    const { context, eventGap, signal } = checkDetectOptions(detectOptions);
    const series = toSeries(input, 'series');
    checkColumns(series, model.columnNames, 'series');
    if (series.rows === 0) throw new InvalidDataError('series is empty: detect needs at least one row');
    const { config } = model;
    const filled = fillMissing(series, config.missing);
    const columns = filled.columns;
    const history = contextRows(context, model);
    const contextCount = history.length / columns;
    const rows = contextCount + filled.rows;
    const shape = { mode: config.mode, window: config.window, horizon: config.horizon };
    if (rows < minimumScoringRows(shape)) {
      throw new InvalidDataError(
        `series has ${filled.rows} rows${contextCount > 0 ? ` (plus ${contextCount} of context)` : ''}; ` +
          `scoring needs at least ${minimumScoringRows(shape)} (window ${config.window}` +
          `${config.mode === 'forecast' ? ' and the row it predicts' : ''}); pass { context: 'training' } when the series continues the training data`,
      );
    }
    if (this.options.threads !== null) setThreads(this.options.threads);
    const combined = new Float32Array(rows * columns);
    combined.set(history);
    combined.set(filled.values, history.length);
    const scaled = model.scaler.transformValues(combined);
    const predictions = await predictRows({
      network: model.network,
      shape,
      values: scaled,
      rows,
      columns,
      features: model.features,
      horizonScore: config.horizonScore,
      ...(signal ? { signal } : {}),
    });
    // The training context is the end of a series already scored in fit: scoring starts at the
    // cut, from the smoothing state fit left there. A TimeSeries context is scored along with the
    // series, from its first full window, so its rows warm the smoothing exactly as in one series.
    const continuesTraining = context === 'training';
    const scoreFrom = continuesTraining ? Math.max(predictions.firstScored, contextCount) : predictions.firstScored;
    const scored = await RowScorer.forModel(model).scoreRows(predictions, scoreFrom, rows, {
      start: continuesTraining ? model.trainingEnd : FRESH_SMOOTHING,
      ...(signal ? { signal } : {}),
    });
    const warmed = Math.max(0, contextCount - scoreFrom);
    const features = model.features.length;
    const seriesScores = scored.scores.subarray(warmed);
    const seriesFeatureScores = scored.featureScores.subarray(warmed * features);
    const unscored = Math.max(scoreFrom, contextCount) - contextCount;
    const decision = await model.threshold.applyAsync(seriesScores, signal ? { signal } : {});

    const n = filled.rows;
    const scores = new Float32Array(n);
    scores.set(seriesScores, unscored);
    const flags = new Uint8Array(n);
    flags.set(decision.flags, unscored);
    const featureScores = new Float32Array(n * features);
    featureScores.set(seriesFeatureScores, unscored * features);
    let threshold: number | Float32Array;
    if (typeof decision.threshold === 'number') {
      threshold = decision.threshold;
    } else {
      // Unscored rows get the threshold in force when scoring starts.
      threshold = new Float32Array(n);
      threshold.fill(
        decision.threshold.length > 0 ? decision.threshold[0]! : (model.threshold.current ?? Infinity),
        0,
        unscored,
      );
      threshold.set(decision.threshold, unscored);
    }
    const featureNames = Array.from(model.features, (c) => model.columnNames[c]!);
    const minGap = eventGap ?? config.window;
    const events = extractEvents(flags, scores, featureScores, featureNames, series.timestamps, { minGap });
    return new DetectionResult({
      scores,
      flags,
      threshold,
      events,
      featureScores,
      featureNames,
      unscored,
      imputed: filled.imputedRows(),
      values: series.values,
      columnNames: model.columnNames,
      timestamps: series.timestamps ?? null,
      settings: {
        cell: config.cell,
        hidden: config.hidden,
        layers: config.layers,
        mode: config.mode,
        window: config.window,
        horizon: config.horizon,
        score: config.score,
        smoothing: config.smoothing,
        scaler: config.scaler,
        threshold: { ...config.threshold },
        features: featureNames,
        eventGap: minGap,
        calibration: config.calibration,
        thresholdFit: model.summary.thresholdFit ?? null,
      },
    });
  }

  /**
   * Online detection: `streams` independent series pushed one point at a time through the
   * network's single-step kernel, with the scaler frozen and the threshold updated online (spot).
   * With `learn` (one stream) the stream also keeps training a copy of the network on the points
   * pushed to it; this detector's model is not changed (docs/network-options.md, section 5).
   */
  stream(options: StreamOptions = {}): StreamingDetector {
    return new StreamingDetector(this.requireModel('stream'), options);
  }

  /**
   * Many keyed streams over this model (created on first use, evicted by idle time or a cap),
   * whose new points are scored together: one batched network step per push. Scores equal
   * `detect` on each stream's series. See StreamPool and docs/serving.md.
   */
  streams(options: StreamPoolOptions = {}): StreamPool {
    return new StreamPool(this.requireModel('streams'), options);
  }

  /** A StreamPool holding the streams of `pool.snapshot()` bytes taken over this same model. */
  restoreStreams(snapshot: Uint8Array, options: StreamPoolOptions = {}): StreamPool {
    return StreamPool.restore(this.requireModel('restoreStreams'), snapshot, options);
  }

  /** The model file as bytes (see src/persistence/model-file.ts for the layout). */
  toBuffer(): Uint8Array {
    return encodeModelFile(toSnapshot(this.requireModel('toBuffer'), toDetectorOptions(this.options)));
  }

  /**
   * Writes the model file atomically: to a temporary file in the same directory, fsync'ed, then
   * renamed over `path`, so a crash never leaves a half-written model.
   */
  async save(path: string): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) {
      throw new InvalidArgumentError(`path must be a non-empty string, got ${describeValue(path)}`);
    }
    await writeFileAtomic(path, this.toBuffer());
  }

  /** A detector from model file bytes; ModelFileError when they are not a valid model. */
  static fromBuffer(bytes: Uint8Array, source = 'model buffer'): Detector {
    if (!(bytes instanceof Uint8Array)) {
      throw new InvalidArgumentError(`bytes must be a Uint8Array or Buffer, got ${describeValue(bytes)}`);
    }
    const { options, model } = fromSnapshot(decodeModelFile(bytes, source), source, OPTION_RULES);
    const detector = new Detector(options);
    detector.model = model;
    return detector;
  }

  static async load(path: string): Promise<Detector> {
    if (typeof path !== 'string' || path.length === 0) {
      throw new InvalidArgumentError(`path must be a non-empty string, got ${describeValue(path)}`);
    }
    return Detector.fromBuffer(await readModelFile(path), path);
  }

  private requireModel(what: string): FittedModel {
    if (!this.model) {
      throw new NotFittedError(`the detector is not fitted: call fit(series) or Detector.load(path) before ${what}`);
    }
    return this.model;
  }
}

interface Calibration {
  gaussian: GaussianErrorModel | null;
  threshold: ThresholdModel;
  calibrationRows: number;
  thresholdFit: TailFitReport | null;
  warnings: string[];
  /** Cross-fit: the out-of-sample score of every scored row, dropped ones included (empty under holdout). */
  scores: Float32Array;
}

/** The threshold calibrated on the final model's scores of the validation part (or of the training rows without one). */
async function holdoutCalibration(
  o: ResolvedOptions,
  plan: FitPlan,
  predictions: RowPredictions,
  features: number,
  signal: AbortSignal | undefined,
): Promise<Calibration> {
  const calibrationStart =
    plan.validationRows > 0
      ? plan.trainRows + (o.mode === 'reconstruct' ? plan.shape.window - 1 : 0)
      : firstScoredRow(plan.shape);
  const calibrationEnd = plan.validationRows > 0 ? plan.rows : plan.trainRows;
  const calibrationRows = calibrationEnd - calibrationStart;
  if (calibrationRows < 2) {
    throw new InvalidDataError(
      `only ${calibrationRows} row(s) are left to calibrate the threshold on; give more rows or a larger options.validationSplit`,
    );
  }
  const gaussian =
    o.score === 'loglik'
      ? GaussianErrorModel.fit(rowResiduals(predictions, calibrationStart, calibrationEnd), calibrationRows, features)
      : null;
  const scorer = new RowScorer({ kind: o.score, smoothing: o.smoothing, gaussian, features });
  const calibration = await scorer.scoreRows(predictions, calibrationStart, calibrationEnd, signal ? { signal } : {});
  const where = `${plan.validationRows > 0 ? 'validation' : 'training'} scores of rows ${calibrationStart}..${calibrationEnd - 1}`;
  const threshold = fitOrExplain(o, calibration.scores, where);
  return {
    gaussian,
    threshold,
    calibrationRows,
    thresholdFit: null,
    warnings: thinTailWarnings(o, plan.shape, calibrationRows, null),
    scores: new Float32Array(0),
  };
}

/**
 * The threshold calibrated on out-of-sample scores of every scored row (src/training/cross-fit.ts);
 * the Gaussian of 'loglik' is fitted on the same out-of-sample residuals.
 */
async function crossFitCalibration(
  o: ResolvedOptions,
  input: CrossFitInput,
  dropped: Uint8Array | null,
): Promise<Calibration> {
  const { folds } = input;
  const outOfSample = await crossFitPredictions(input);
  const features = input.features.length;
  const rowsOf = (f: FoldPredictions): number => f.fold.end - f.fold.start;
  const scoredRows = outOfSample.reduce((sum, f) => sum + rowsOf(f), 0);
  const first = folds[0]!.start;
  const kept = (values: Float32Array, width: number): Float32Array => {
    if (dropped === null) return values;
    const out: number[] = [];
    for (let i = 0; i < scoredRows; i++) {
      if (dropped[first + i] === 0) for (let j = 0; j < width; j++) out.push(values[i * width + j]!);
    }
    return Float32Array.from(out);
  };
  let gaussian: GaussianErrorModel | null = null;
  if (o.score === 'loglik') {
    const residuals = new Float32Array(scoredRows * features);
    let at = 0;
    for (const f of outOfSample) {
      residuals.set(rowResiduals(f.predictions, f.offset, f.offset + rowsOf(f)), at);
      at += rowsOf(f) * features;
    }
    const clean = kept(residuals, features);
    gaussian = GaussianErrorModel.fit(clean, clean.length / features, features);
  }
  const scorer = new RowScorer({ kind: o.score, smoothing: o.smoothing, gaussian, features });
  const all = new Float32Array(scoredRows);
  let at = 0;
  for (const f of outOfSample) {
    // Scored from the slice's first scored row, so the rows before the fold warm the smoothing.
    const from = Math.min(f.predictions.firstScored, f.offset);
    const scored = await scorer.scoreRows(
      f.predictions,
      from,
      f.offset + rowsOf(f),
      input.signal ? { signal: input.signal } : {},
    );
    all.set(scored.scores.subarray(f.offset - from), at);
    at += rowsOf(f);
  }
  const scores = kept(all, 1);
  const calibrationRows = scores.length;
  const where = `out-of-sample scores of rows ${folds[0]!.start}..${folds[folds.length - 1]!.end - 1}`;
  if (o.threshold.method !== 'pot') {
    const threshold = fitOrExplain(o, scores, where);
    return { gaussian, threshold, calibrationRows, thresholdFit: null, warnings: [], scores: all };
  }
  const { threshold, report } = fitPotWithFallback(o.threshold, scores, 'the out-of-sample scores');
  return {
    gaussian,
    threshold,
    calibrationRows,
    thresholdFit: report,
    warnings: thinTailWarnings(o, input.data.shape, calibrationRows, report),
    scores: all,
  };
}

function fitOrExplain(o: ResolvedOptions, scores: Float32Array, where: string): ThresholdModel {
  try {
    return fitThreshold(o.threshold, scores);
  } catch (cause) {
    if (!(cause instanceof InvalidDataError)) throw cause;
    throw new InvalidDataError(
      `options.threshold ('${o.threshold.method}') could not be calibrated on the ${where}: ${cause.message}. ` +
        "Series that are nearly constant there are better served by { method: 'percentile' } or { method: 'ksigma' }",
    );
  }
}

function tooFewRowsMessage(plan: FitPlan, needed: number): string {
  return (
    `series has ${plan.rows} rows, too few for cross-fit calibration with a ${plan.shape.mode} window of ` +
    `${plan.shape.window}: each of the ${CROSS_FIT_FOLDS} folds needs a training window outside it and the folds ` +
    `together at least ${MIN_CALIBRATION_SCORES} scored rows; give at least ${needed} rows, a smaller options.window, ` +
    "or options.calibration: 'holdout'"
  );
}

/**
 * A POT threshold calibrated on fewer scores than its tail needs is reported, with the rows that
 * would give the configured level MIN_TAIL_PEAKS peaks.
 */
function thinTailWarnings(
  o: ResolvedOptions,
  shape: WindowShape,
  calibrationRows: number,
  report: TailFitReport | null,
): string[] {
  if (o.threshold.method !== 'pot') return [];
  const wanted = scoresForTail(o.threshold.level);
  if (calibrationRows >= wanted) return [];
  const share = o.calibration === 'cross-fit' ? 1 : o.validationSplit > 0 ? o.validationSplit : 1;
  const rows = Math.ceil(wanted / share) + firstScoredRow(shape);
  const used =
    report === null
      ? ''
      : report.kind === 'pot-pooled'
        ? `; the tail was fitted from level ${round(report.level!)} instead`
        : '; the threshold is the empirical fallback (largest score plus a margin)';
  return [
    `the threshold was calibrated on ${calibrationRows} scores, fewer than the ${wanted} a POT tail at level ` +
      `${o.threshold.level} needs${used}; about ${rows} rows would suffice`,
  ];
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function checkFitOptions(options: unknown): FitOptions {
  const o = checkPlainObject('fitOptions', options ?? {});
  for (const key of Object.keys(o)) {
    if (key !== 'onEpochEnd' && key !== 'signal') {
      throw new InvalidArgumentError(`fitOptions has an unknown key "${key}"; expected some of onEpochEnd, signal`);
    }
  }
  if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== 'function') {
    throw new InvalidArgumentError(`fitOptions.onEpochEnd must be a function, got ${describeValue(o.onEpochEnd)}`);
  }
  checkSignal(o.signal, 'fitOptions.signal');
  return o as FitOptions;
}

function checkUpdateOptions(
  options: unknown,
  fitLearningRate: number,
): Required<Pick<UpdateOptions, 'epochs' | 'learningRate'>> & Pick<UpdateOptions, 'onEpochEnd' | 'signal'> {
  const o = checkPlainObject('updateOptions', options ?? {});
  const known = ['epochs', 'learningRate', 'onEpochEnd', 'signal'];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(`updateOptions has an unknown key "${key}"; expected some of ${known.join(', ')}`);
    }
  }
  if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== 'function') {
    throw new InvalidArgumentError(`updateOptions.onEpochEnd must be a function, got ${describeValue(o.onEpochEnd)}`);
  }
  const signal = checkSignal(o.signal, 'updateOptions.signal');
  return {
    epochs: o.epochs === undefined ? 1 : checkInteger('updateOptions.epochs', o.epochs, 1, 100_000),
    learningRate:
      o.learningRate === undefined
        ? fitLearningRate
        : checkNumber('updateOptions.learningRate', o.learningRate, 0, 10, true),
    ...(o.onEpochEnd ? { onEpochEnd: o.onEpochEnd as NonNullable<UpdateOptions['onEpochEnd']> } : {}),
    ...(signal ? { signal } : {}),
  };
}

interface CheckedDetectOptions {
  context: 'none' | 'training' | TimeSeries;
  eventGap?: number;
  signal?: AbortSignal;
}

function checkDetectOptions(options: unknown): CheckedDetectOptions {
  const o = checkPlainObject('detectOptions', options ?? {});
  for (const key of Object.keys(o)) {
    if (key !== 'context' && key !== 'eventGap' && key !== 'signal') {
      throw new InvalidArgumentError(
        `detectOptions has an unknown key "${key}"; expected some of context, eventGap, signal`,
      );
    }
  }
  const eventGap = o.eventGap === undefined ? undefined : checkInteger('detectOptions.eventGap', o.eventGap, 0);
  const context = o.context ?? 'none';
  if (context !== 'none' && context !== 'training' && !(context instanceof TimeSeries)) {
    throw new InvalidArgumentError(
      `detectOptions.context must be 'none', 'training' or a TimeSeries, got ${describeValue(context)}`,
    );
  }
  const signal = checkSignal(o.signal, 'detectOptions.signal');
  return { context, ...(eventGap !== undefined ? { eventGap } : {}), ...(signal ? { signal } : {}) };
}

function checkSignal(signal: unknown, name: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal))
    throw new InvalidArgumentError(`${name} must be an AbortSignal, got ${describeValue(signal)}`);
  return signal;
}

/** Coerces the accepted series forms into a TimeSeries. */
export function toSeries(input: SeriesInput, name: string): TimeSeries {
  if (input instanceof TimeSeries) return input;
  if (!Array.isArray(input) && !ArrayBuffer.isView(input)) {
    throw new InvalidArgumentError(
      `${name} must be a TimeSeries, an array of numbers or an array of rows, got ${describeValue(input)}`,
    );
  }
  const list = input as ArrayLike<unknown>;
  if (list.length > 0 && (Array.isArray(list[0]) || ArrayBuffer.isView(list[0]))) {
    const width = (list[0] as ArrayLike<unknown>).length;
    if (width === 0) throw new InvalidDataError(`${name}[0] is an empty row; rows need at least one value`);
    const columnNames = Array.from({ length: width }, (_, i) => `c${i}`);
    return TimeSeries.fromArrays({ values: list as readonly ArrayLike<number | null>[], columnNames });
  }
  return TimeSeries.fromArrays({ values: list as ArrayLike<number | null>, columnNames: ['value'] });
}

function checkColumns(series: TimeSeries, expected: readonly string[], name: string): void {
  const same = series.columns === expected.length && series.columnNames.every((c, i) => c === expected[i]);
  if (!same) {
    throw new InvalidDataError(
      `${name} has columns [${series.columnNames.join(', ')}] but the detector was trained on [${expected.join(', ')}]; ` +
        'pass the same columns in the same order',
      'ERR_COLUMNS_MISMATCH',
    );
  }
}

/** Column indices of the scored features: the forecast targets, or every column. */
function resolveFeatures(o: ResolvedOptions, series: TimeSeries): Int32Array {
  if (o.mode === 'reconstruct' || o.targets === null) return Int32Array.from({ length: series.columns }, (_, i) => i);
  return Int32Array.from(o.targets, (t, i) => {
    if (typeof t === 'number' && t >= series.columns) {
      throw new InvalidArgumentError(
        `options.targets[${i}] = ${t} is not a column index of the series (it has ${series.columns} columns)`,
      );
    }
    if (typeof t === 'string' && !series.columnNames.includes(t)) {
      throw new InvalidArgumentError(
        `options.targets[${i}] = "${t}" is not a column of the series; columns: ${series.columnNames.join(', ')}`,
      );
    }
    return series.columnIndex(t);
  });
}

/** History rows (original units, NaN-free) to put before the detected series: all of a given TimeSeries. */
function contextRows(context: 'none' | 'training' | TimeSeries, model: FittedModel): Float32Array {
  if (context === 'none') return new Float32Array(0);
  if (context === 'training') return model.context;
  checkColumns(context, model.columnNames, 'detectOptions.context');
  if (context.rows === 0) return new Float32Array(0);
  return fillMissing(context, model.config.missing).values;
}
