/**
 * Everything `fit` decides before training: the train/validation split (validation = the END
 * of the series, so nothing is learned from the future of what it is validated on), the 'auto'
 * values, and the windows of each part. Pure and synchronous, so the rules are easy to test and
 * a bad combination of data and options fails before any work starts.
 */
import { InvalidDataError } from '../core/errors.js';
import type { ModelConfig } from '../model/fitted-model.js';
import {
  chooseBatchSize,
  chooseEpochs,
  chooseHidden,
  chooseWindow,
  chooseWindowsPerEpoch,
  dominantPeriod,
} from './auto-defaults.js';
import { trainingStarts, validationStarts, windowSpan, type WindowShape } from '../model/window-starts.js';

/** The options a plan reads; the 'auto' ones are chosen from the data. */
export interface FitPlanOptions extends Pick<ModelConfig, 'mode' | 'horizon' | 'validationSplit'> {
  window: number | 'auto';
  hidden: number | 'auto';
  epochs: number | 'auto';
  batchSize: number | 'auto';
  windowsPerEpoch: number | 'auto';
}

export interface FitPlan {
  rows: number;
  trainRows: number;
  validationRows: number;
  shape: WindowShape;
  /** Dominant period found for 'auto' window (null when none or when the window was given). */
  period: number | null;
  hidden: number;
  epochs: number;
  batchSize: number;
  windowsPerEpoch: number;
  trainStarts: Int32Array;
  validationStarts: Int32Array;
}

/**
 * @param values the filled (NaN-free) series, rows x columns
 * @param firstFeature column whose period sets an 'auto' window (the first target)
 */
export function planFit(
  options: FitPlanOptions,
  values: Float32Array,
  rows: number,
  columns: number,
  firstFeature: number,
): FitPlan {
  const validationRows = Math.floor(rows * options.validationSplit);
  const trainRows = rows - validationRows;
  const horizon = options.mode === 'forecast' ? options.horizon : 1;
  let period: number | null = null;
  let window: number;
  if (options.window === 'auto') {
    period = dominantPeriod(values, columns, firstFeature, trainRows);
    // Reconstruct validation windows lie wholly in the validation rows; forecast ones only need
    // their targets there.
    const limit = options.mode === 'reconstruct' && validationRows > 0 ? validationRows : Infinity;
    window = chooseWindow(period, trainRows, limit);
  } else {
    window = options.window;
  }
  const shape: WindowShape = { mode: options.mode, window, horizon };
  const span = windowSpan(shape);
  if (trainRows < span) {
    const needed = validationRows > 0 ? Math.ceil(span / (1 - options.validationSplit)) : span;
    throw new InvalidDataError(
      `series has ${rows} rows, too few to train: one ${options.mode} window needs ${span} rows ` +
        `(window ${window}${options.mode === 'forecast' ? ` + horizon ${horizon}` : ''}) in the training part` +
        (validationRows > 0 ? ` (the first ${trainRows} rows after validationSplit ${options.validationSplit})` : '') +
        `; give at least ${needed} rows or a smaller options.window`,
    );
  }
  const trainStarts = trainingStarts(shape, trainRows);
  const validation = validationStarts(shape, trainRows, rows);
  if (validationRows > 0 && validation.length === 0) {
    throw new InvalidDataError(
      `the validation part (last ${validationRows} rows, validationSplit ${options.validationSplit}) holds no ` +
        `${options.mode} window of ${span} rows; give more rows, a smaller options.window or options.validationSplit: 0`,
    );
  }
  const windowsPerEpoch =
    options.windowsPerEpoch === 'auto'
      ? chooseWindowsPerEpoch(trainStarts.length)
      : Math.min(options.windowsPerEpoch, trainStarts.length);
  return {
    rows,
    trainRows,
    validationRows,
    shape,
    period,
    hidden: options.hidden === 'auto' ? chooseHidden(columns) : options.hidden,
    epochs: options.epochs === 'auto' ? chooseEpochs(windowsPerEpoch) : options.epochs,
    batchSize: options.batchSize === 'auto' ? chooseBatchSize(trainStarts.length) : options.batchSize,
    windowsPerEpoch,
    trainStarts,
    validationStarts: validation,
  };
}
