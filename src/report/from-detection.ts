import { InvalidArgumentError } from '../core/errors.js';
import type { DetectionResult } from '../results/detection-result.js';
import type { FitSummary } from '../model/fitted-model.js';
import type { ReportInput, ReportSeries, RowRange } from './report-input.js';

export interface DetectionReportOptions {
  title?: string;
  /** Shown under the title, e.g. the data file's path. */
  source?: string;
  /**
   * The whole series the result is part of (e.g. training rows followed by the detected rows);
   * default: the detected rows alone.
   */
  series?: ReportSeries;
  /** Row of `series` where the result's first row lies. Default 0. */
  rowOffset?: number;
  /** Rows of `series` the model was fitted on, shaded. */
  trainRows?: RowRange;
  /** Known anomalies as inclusive row ranges of `series`. */
  labels?: readonly RowRange[];
  /** Adds the training curve and the training settings. */
  fit?: Pick<FitSummary, 'loss' | 'valLoss' | 'bestEpoch'> &
    Partial<Pick<FitSummary, 'config' | 'epochs' | 'stopReason'>>;
  generatedAt?: Date;
}

/**
 * Turns a DetectionResult (plus, optionally, the surrounding series, training rows, labels and
 * fit summary) into what `renderHtmlReport` draws. Rows without a score are left blank.
 */
export function reportInputFromResult(result: DetectionResult, options: DetectionReportOptions = {}): ReportInput {
  const series: ReportSeries = options.series ?? {
    rows: result.rows,
    columns: result.columnNames.length,
    columnNames: result.columnNames,
    values: result.values,
    ...(result.timestamps ? { timestamps: result.timestamps } : {}),
  };
  const offset = options.rowOffset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset + result.rows > series.rows) {
    throw new InvalidArgumentError(
      `rowOffset must place the result's ${result.rows} rows inside the series' ${series.rows} rows, got ${options.rowOffset}`,
    );
  }
  const firstScored = offset + result.unscored;
  const scores = new Float32Array(series.rows).fill(Number.NaN);
  scores.set(result.scores.subarray(result.unscored), firstScored);
  const flags = new Uint8Array(series.rows);
  flags.set(result.flags, offset);
  let threshold: number | Float32Array;
  if (typeof result.threshold === 'number') {
    threshold = result.threshold;
  } else {
    threshold = new Float32Array(series.rows).fill(Number.NaN);
    threshold.set(result.threshold.subarray(result.unscored), firstScored);
  }
  // Event features are indexed among the scored features; the report draws series columns.
  const columnOf = (name: string, fallback: number) => {
    const index = series.columnNames.indexOf(name);
    return index >= 0 ? index : fallback;
  };
  const events = result.events.map((e) => ({
    ...e,
    start: e.start + offset,
    end: e.end + offset,
    peak: e.peak + offset,
    features: e.features.map((f) => ({ ...f, index: columnOf(f.name, f.index) })),
  }));
  const fit = options.fit;
  const settings: Record<string, unknown> = { ...result.settings };
  if (fit?.config) {
    const { epochs, batchSize, learningRate, optimizer, validationSplit, patience, seed } = fit.config;
    settings['training'] = {
      maxEpochs: epochs,
      epochsRun: fit.epochs,
      stopReason: fit.stopReason,
      batchSize,
      learningRate,
      optimizer,
      validationSplit,
      patience,
      seed,
    };
  }
  return {
    title: options.title ?? 'Anomaly detection report',
    ...(options.source ? { source: options.source } : {}),
    series,
    scores,
    threshold,
    flags,
    events,
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.trainRows ? { trainRows: options.trainRows } : {}),
    settings,
    ...(fit
      ? {
          training: {
            loss: fit.loss,
            ...(fit.valLoss.length > 0 ? { validationLoss: fit.valLoss } : {}),
            bestEpoch: fit.bestEpoch,
          },
        }
      : {}),
    ...(options.generatedAt ? { generatedAt: options.generatedAt } : {}),
  };
}
