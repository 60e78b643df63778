/**
 * What `Detector.detect` returns: per-row scores and flags, the threshold, events, per-feature
 * scores and the settings that produced them. Typed arrays for speed in code, plain arrays in
 * `toJSON()` (so `JSON.stringify(result)` just works) and a flat table in `toCSV()`.
 */
import type { TailFitReport } from '../thresholds/thin-tail.js';
import type { AnomalyEvent } from './events.js';

/** The model and threshold settings a result was produced with (also in saved models). */
export interface DetectionSettings {
  cell: string;
  hidden: number;
  layers: number;
  mode: 'forecast' | 'reconstruct';
  window: number;
  horizon: number;
  score: string;
  smoothing: number;
  scaler: string;
  /** The threshold method and its parameters, as configured. */
  threshold: Readonly<Record<string, unknown>>;
  /** Features whose errors make up the score (forecast: targets; reconstruct: all columns). */
  features: readonly string[];
  /** Flagged runs closer than this many rows were merged into one event. */
  eventGap: number;
  /** Where the threshold was fitted: out-of-sample scores of every training row, or a held-out tail. */
  calibration: 'cross-fit' | 'holdout';
  /** How a POT threshold's tail was fitted (as configured, pooled lower, or empirical); null for other methods and older model files. */
  thresholdFit: TailFitReport | null;
}

export interface DetectionResultInit {
  scores: Float32Array;
  flags: Uint8Array;
  threshold: number | Float32Array;
  events: AnomalyEvent[];
  featureScores: Float32Array;
  featureNames: readonly string[];
  unscored: number;
  imputed: Int32Array;
  values: Float32Array;
  columnNames: readonly string[];
  timestamps: Float64Array | null;
  settings: DetectionSettings;
}

export interface DetectionResultJSON {
  rows: number;
  columnNames: string[];
  timestamps: number[] | null;
  scores: number[];
  flags: number[];
  threshold: number | number[];
  events: AnomalyEvent[];
  featureNames: string[];
  /** rows x features, one array per row. */
  featureScores: number[][];
  unscored: number;
  imputed: number[];
  settings: DetectionSettings;
}

export class DetectionResult {
  /** Rows of the detected series. */
  readonly rows: number;
  /** Anomaly score per row (0 for unscored rows); higher is more anomalous. Never NaN. */
  readonly scores: Float32Array;
  /** 1 where the score exceeds the threshold. */
  readonly flags: Uint8Array;
  /** One threshold for every row, or one per row for methods that vary over time (spot, dynamic). */
  readonly threshold: number | Float32Array;
  /** Runs of flagged rows, with their most contributing features. */
  readonly events: AnomalyEvent[];
  /** rows x featureNames.length: each feature's share of the row's score (same units; rows sum to the score before smoothing). */
  readonly featureScores: Float32Array;
  readonly featureNames: readonly string[];
  /** Rows [0, unscored) had no full window of history (forecast: window rows, reconstruct: window - 1): score 0, flag 0. */
  readonly unscored: number;
  /** Rows where at least one missing value was filled in before scoring. */
  readonly imputed: Int32Array;
  /** The detected values as given (rows x columns, NaN where missing). */
  readonly values: Float32Array;
  readonly columnNames: readonly string[];
  /** Epoch milliseconds per row, when the series had timestamps. */
  readonly timestamps: Float64Array | null;
  readonly settings: DetectionSettings;

  constructor(init: DetectionResultInit) {
    this.rows = init.scores.length;
    this.scores = init.scores;
    this.flags = init.flags;
    this.threshold = init.threshold;
    this.events = init.events;
    this.featureScores = init.featureScores;
    this.featureNames = init.featureNames;
    this.unscored = init.unscored;
    this.imputed = init.imputed;
    this.values = init.values;
    this.columnNames = init.columnNames;
    this.timestamps = init.timestamps;
    this.settings = init.settings;
  }

  /** Threshold in effect at a row. */
  thresholdAt(row: number): number {
    return typeof this.threshold === 'number' ? this.threshold : this.threshold[row]!;
  }

  /** Rows flagged as anomalous, ascending. */
  flaggedRows(): Int32Array {
    const out: number[] = [];
    for (let i = 0; i < this.rows; i++) if (this.flags[i]) out.push(i);
    return Int32Array.from(out);
  }

  toJSON(): DetectionResultJSON {
    const features = this.featureNames.length;
    const featureScores: number[][] = new Array(this.rows);
    for (let r = 0; r < this.rows; r++)
      featureScores[r] = Array.from(this.featureScores.subarray(r * features, (r + 1) * features));
    return {
      rows: this.rows,
      columnNames: [...this.columnNames],
      timestamps: this.timestamps ? Array.from(this.timestamps) : null,
      scores: Array.from(this.scores),
      flags: Array.from(this.flags),
      threshold: typeof this.threshold === 'number' ? this.threshold : Array.from(this.threshold),
      events: this.events.map((e) => ({ ...e, features: e.features.map((f) => ({ ...f })) })),
      featureNames: [...this.featureNames],
      featureScores,
      unscored: this.unscored,
      imputed: Array.from(this.imputed),
      settings: this.settings,
    };
  }

  /**
   * One line per row: `row,timestamp,<each column>,score,threshold,flag` (RFC 4180 quoting;
   * timestamp as ISO 8601 UTC, empty without timestamps; missing values empty).
   */
  toCSV(): string {
    const columns = this.columnNames.length;
    const lines: string[] = new Array(this.rows + 1);
    lines[0] = ['row', 'timestamp', ...this.columnNames, 'score', 'threshold', 'flag'].map(csvField).join(',');
    for (let r = 0; r < this.rows; r++) {
      const cells: string[] = [String(r), this.timestamps ? new Date(this.timestamps[r]!).toISOString() : ''];
      for (let c = 0; c < columns; c++) {
        const v = this.values[r * columns + c]!;
        cells.push(Number.isNaN(v) ? '' : String(v));
      }
      cells.push(String(this.scores[r]), String(this.thresholdAt(r)), String(this.flags[r]));
      lines[r + 1] = cells.join(',');
    }
    return lines.join('\n') + '\n';
  }
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
