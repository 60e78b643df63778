/**
 * Everything the HTML report draws, aligned to the rows of the whole input file. Kept separate
 * from DetectionResult so a report can also be built from a saved result or by hand (tests),
 * and so the report never needs the model.
 */

export interface ReportSeries {
  readonly rows: number;
  readonly columns: number;
  readonly columnNames: readonly string[];
  /** rows x columns, row-major. NaN marks a missing value (drawn as a gap). */
  readonly values: ArrayLike<number>;
  /** Epoch milliseconds per row; rows are placed by index, timestamps only label the axis. */
  readonly timestamps?: ArrayLike<number>;
}

export interface ReportEventFeature {
  readonly name: string;
  readonly index: number;
  /** Share of the event's score, 0..1. */
  readonly contribution: number;
}

export interface ReportEvent {
  /** Row indices into the whole file, inclusive. */
  readonly start: number;
  readonly end: number;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly peak: number;
  readonly peakScore: number;
  readonly features: readonly ReportEventFeature[];
}

export interface RowRange {
  /** Inclusive row indices. */
  readonly start: number;
  readonly end: number;
}

export interface TrainingCurve {
  readonly loss: readonly number[];
  readonly validationLoss?: readonly number[];
  /** 1-based epoch whose weights were kept (early stopping), if any. */
  readonly bestEpoch?: number;
}

export interface ReportInput {
  readonly title: string;
  /** Where the data came from, e.g. the CSV path; shown under the title. */
  readonly source?: string;
  readonly series: ReportSeries;
  /** One score per row; NaN where nothing was scored (training rows, warm-up window). */
  readonly scores: ArrayLike<number>;
  /** A constant, or one value per row (NaN where not scored). */
  readonly threshold: number | ArrayLike<number>;
  /** 1 where a row's score exceeded the threshold. */
  readonly flags: ArrayLike<number>;
  readonly events: readonly ReportEvent[];
  /** Labelled (known) anomalies, when a labels file was given. */
  readonly labels?: readonly RowRange[];
  /** Rows the model was fitted on, when they are part of this file. */
  readonly trainRows?: RowRange;
  /** Model, training and threshold settings, shown as a table. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly training?: TrainingCurve;
  /** Shown in the footer; omitted when absent so reports can be byte-reproducible. */
  readonly generatedAt?: Date;
}
