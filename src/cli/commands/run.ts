import { Detector } from '../../detector/detector.js';
import { OutOfRangeError } from '../../core/errors.js';
import { flag, formatHelp, parseCommandLine, type CommandSpec } from '../args.js';
import type { CliCommand } from '../command.js';
import { CSV_FLAG_NAMES, csvFlags, readSeries } from '../data-flags.js';
import {
  DETECTOR_FLAG_GROUPS,
  detectorOptionsFrom,
  modelFlags,
  thresholdFlags,
  trainingFlags,
} from '../detector-flags.js';
import { VERBOSITY_FLAG_NAMES, fitWithProgress, progressFor, verbosityFlags } from '../fit-with-progress.js';
import { readLabels } from '../labels.js';
import { OUTPUT_FLAG_NAMES, checkOutputPaths, deliverOutcome, eventGapOption, outputFlags } from '../outputs.js';
import type { RunOutcome } from '../run-outcome.js';
import { UsageError } from '../usage-error.js';

/** NAB's probationary share: enough history to learn from, most of the file left to judge. */
export const DEFAULT_TRAIN_FRACTION = 0.15;
/** Short files still get this many training rows (or half the file, if smaller). */
export const MIN_DEFAULT_TRAIN_ROWS = 2000;

/** Training rows when --train-fraction is not given. */
export function defaultTrainRows(rows: number): number {
  return Math.max(Math.round(DEFAULT_TRAIN_FRACTION * rows), Math.min(MIN_DEFAULT_TRAIN_ROWS, Math.floor(rows / 2)));
}

const runFlags = {
  trainFraction: flag.number({
    description: `Share of the rows, from the start, to train on (default: ${DEFAULT_TRAIN_FRACTION}, at least ${MIN_DEFAULT_TRAIN_ROWS} rows or half the file)`,
    min: 0,
    max: 1,
    exclusiveMin: true,
  }),
  train: flag.string({
    description:
      'Train on this file instead (same columns); the data file is then scored from its first full window on',
    placeholder: '<train.csv>',
  }),
  model: flag.string({ description: 'Also save the trained model here', placeholder: '<model.rnnad>' }),
  ...outputFlags,
  ...csvFlags,
  ...modelFlags,
  ...trainingFlags,
  ...thresholdFlags,
  ...verbosityFlags,
} as const;

export const runSpec: CommandSpec<typeof runFlags> = {
  name: 'run',
  summary: 'Train on the first part of a CSV file, find anomalies in the rest, and print, save or report them.',
  positionals: [{ name: 'data.csv', description: 'Time series: a timestamp column (optional) and numeric columns' }],
  flags: runFlags,
  groups: [
    { title: 'Data split', flags: ['trainFraction', 'train'] },
    { title: 'Output', flags: [...OUTPUT_FLAG_NAMES, 'model'] },
    { title: 'Reading the CSV', flags: CSV_FLAG_NAMES },
    ...DETECTOR_FLAG_GROUPS,
    { title: 'Messages', flags: VERBOSITY_FLAG_NAMES },
  ],
  examples: [
    'rnn-anomaly run data.csv --report report.html',
    'rnn-anomaly run data.csv --train-fraction 0.3 --cell lstm --hidden 64 --out result.csv',
    'rnn-anomaly run data.csv --labels known.json --threshold ksigma:k=4 --json > result.json',
    'rnn-anomaly run test.csv --train train.csv --columns cpu,memory --mode reconstruct',
  ],
};

export const runCommand: CliCommand = {
  name: runSpec.name,
  summary: runSpec.summary,
  async run(argv, context) {
    const { positionals, flags, help } = parseCommandLine(runSpec, argv);
    if (help) {
      context.io.stdout.write(formatHelp(runSpec, context.program));
      return 0;
    }
    const options = detectorOptionsFrom(flags, runSpec.name);
    if (flags.train && flags.trainFraction !== undefined) {
      throw new UsageError(
        '--train and --train-fraction exclude each other: give a training file or a share of the data file',
        runSpec.name,
      );
    }
    await checkOutputPaths(flags, runSpec.name);
    const progress = progressFor(context, flags.quiet);
    const dataPath = positionals[0]!;
    progress.note(`reading ${dataPath}`);
    const series = await readSeries(dataPath, flags, context.signal);
    const labels = flags.labels ? await readLabels(flags.labels, series, dataPath) : undefined;

    const detector = new Detector(options);
    let outcome: RunOutcome;
    if (flags.train) {
      progress.note(`reading ${flags.train}`);
      const trainSeries = await readSeries(flags.train, flags, context.signal);
      const fit = await fitWithProgress(detector, trainSeries, context, progress);
      progress.note(`scoring ${series.rows} rows`);
      const result = await detector.detect(series, { ...eventGapOption(flags.eventGap), signal: context.signal });
      outcome = {
        dataPath,
        series,
        detectStart: 0,
        result,
        trainPath: flags.train,
        fit,
        ...(labels ? { labels } : {}),
      };
    } else {
      const trainEnd =
        flags.trainFraction === undefined
          ? defaultTrainRows(series.rows)
          : Math.round(flags.trainFraction * series.rows);
      if (trainEnd >= series.rows) {
        throw new OutOfRangeError(
          `--train-fraction ${flags.trainFraction} leaves no rows of ${dataPath} (${series.rows} rows) to detect on`,
        );
      }
      const fit = await fitWithProgress(detector, series.slice(0, trainEnd), context, progress);
      progress.note(`scoring rows ${trainEnd}-${series.rows - 1}`);
      const result = await detector.detect(series.slice(trainEnd), {
        context: 'training',
        ...eventGapOption(flags.eventGap),
        signal: context.signal,
      });
      outcome = {
        dataPath,
        series,
        detectStart: trainEnd,
        result,
        trainRows: { start: 0, end: trainEnd - 1 },
        fit,
        ...(labels ? { labels } : {}),
      };
    }

    const modelPath = flags.model;
    const model = modelPath ? { path: modelPath, write: () => detector.save(modelPath) } : undefined;
    await deliverOutcome(outcome, flags, runSpec.name, context.io.stdout, model);
    return 0;
  },
};
