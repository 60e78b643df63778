import type { TimeSeries } from '../../data/time-series.js';
import { Detector } from '../../detector/detector.js';
import { InvalidDataError } from '../../core/errors.js';
import { flag, formatHelp, parseCommandLine, type CommandSpec } from '../args.js';
import type { CliCommand } from '../command.js';
import { CSV_FLAG_NAMES, csvFlags, readSeries } from '../data-flags.js';
import { VERBOSITY_FLAG_NAMES, progressFor, verbosityFlags } from '../fit-with-progress.js';
import { readLabels } from '../labels.js';
import { OUTPUT_FLAG_NAMES, checkOutputPaths, deliverOutcome, eventGapOption, outputFlags } from '../outputs.js';
import type { RunOutcome } from '../run-outcome.js';
import { UsageError } from '../usage-error.js';

const detectFlags = {
  model: flag.string({ description: 'Model file written by "train" or "run --model"', placeholder: '<model.rnnad>' }),
  ...outputFlags,
  ...csvFlags,
  ...verbosityFlags,
} as const;

export const detectSpec: CommandSpec<typeof detectFlags> = {
  name: 'detect',
  summary:
    'Find anomalies in a CSV file with a saved model. The first window of rows has no history and is not scored.',
  positionals: [{ name: 'data.csv', description: 'Time series with the columns the model was trained on' }],
  flags: detectFlags,
  groups: [
    { title: 'Model', flags: ['model'] },
    { title: 'Output', flags: OUTPUT_FLAG_NAMES },
    { title: 'Reading the CSV', flags: CSV_FLAG_NAMES },
    { title: 'Messages', flags: VERBOSITY_FLAG_NAMES },
  ],
  examples: [
    'rnn-anomaly detect today.csv --model model.rnnad --report today.html',
    'rnn-anomaly detect today.csv --model model.rnnad --json | jq .events',
  ],
};

/** The model's columns taken from the file by name, so extra columns in the file do not matter. */
function modelColumns(series: TimeSeries, detector: Detector, dataPath: string, modelPath: string): TimeSeries {
  const wanted = detector.columnNames;
  const missing = wanted.filter((name) => !series.columnNames.includes(name));
  if (missing.length > 0) {
    throw new InvalidDataError(
      `${dataPath} has columns [${series.columnNames.join(', ')}] but ${modelPath} was trained on [${wanted.join(', ')}]; ` +
        `missing: ${missing.join(', ')}`,
      'ERR_COLUMNS_MISMATCH',
    );
  }
  const same = wanted.length === series.columns && wanted.every((name, i) => series.columnNames[i] === name);
  return same ? series : series.selectColumns(wanted);
}

export const detectCommand: CliCommand = {
  name: detectSpec.name,
  summary: detectSpec.summary,
  async run(argv, context) {
    const { positionals, flags, help } = parseCommandLine(detectSpec, argv);
    if (help) {
      context.io.stdout.write(formatHelp(detectSpec, context.program));
      return 0;
    }
    if (!flags.model) throw new UsageError('"detect" needs --model <model.rnnad>', detectSpec.name);
    await checkOutputPaths({ out: flags.out, report: flags.report }, detectSpec.name);
    const progress = progressFor(context, flags.quiet);
    const dataPath = positionals[0]!;
    const detector = await Detector.load(flags.model);
    progress.note(`reading ${dataPath}`);
    const series = modelColumns(await readSeries(dataPath, flags, context.signal), detector, dataPath, flags.model);
    const labels = flags.labels ? await readLabels(flags.labels, series, dataPath) : undefined;
    progress.note(`scoring ${series.rows} rows`);
    const result = await detector.detect(series, { ...eventGapOption(flags.eventGap), signal: context.signal });
    const outcome: RunOutcome = {
      dataPath,
      series,
      detectStart: 0,
      result,
      modelPath: flags.model,
      ...(labels ? { labels } : {}),
    };
    await deliverOutcome(outcome, flags, detectSpec.name, context.io.stdout);
    return 0;
  },
};
