import { basename } from 'node:path';
import { Detector } from '../../detector/detector.js';
import { formatInteger, formatNumber } from '../../report/format.js';
import type { FitSummary } from '../../model/fitted-model.js';
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
import { checkWritable } from '../outputs.js';
import { formatDuration } from '../progress.js';
import { UsageError } from '../usage-error.js';

const trainFlags = {
  model: flag.string({ description: 'Where to save the model (written atomically)', placeholder: '<model.rnnad>' }),
  json: flag.switch({ description: 'Print the training summary as JSON on stdout' }),
  ...csvFlags,
  ...modelFlags,
  ...trainingFlags,
  ...thresholdFlags,
  ...verbosityFlags,
} as const;

export const trainSpec: CommandSpec<typeof trainFlags> = {
  name: 'train',
  summary:
    'Train a model on normal data and calibrate its threshold on the last --validation-split of the rows, then save it.',
  positionals: [{ name: 'data.csv', description: 'Mostly normal time series to learn from' }],
  flags: trainFlags,
  groups: [
    { title: 'Output', flags: ['model', 'json'] },
    { title: 'Reading the CSV', flags: CSV_FLAG_NAMES },
    ...DETECTOR_FLAG_GROUPS,
    { title: 'Messages', flags: VERBOSITY_FLAG_NAMES },
  ],
  examples: [
    'rnn-anomaly train history.csv --model model.rnnad',
    'rnn-anomaly train history.csv --model model.rnnad --cell lstm --layers 2 --epochs 50 --seed 7',
  ],
};

function trainingJSON(summary: FitSummary, modelPath: string, dataPath: string): Record<string, unknown> {
  const { history: _history, ...rest } = summary;
  return { model: modelPath, data: dataPath, ...rest, elapsedMs: Math.round(summary.elapsedMs) };
}

function trainingText(summary: FitSummary, modelPath: string, dataPath: string, columns: readonly string[]): string {
  const c = summary.config;
  const last = summary.bestEpoch - 1;
  const lines = [
    `${basename(dataPath)}: trained on ${formatInteger(summary.trainRows)} rows, calibrated on ${formatInteger(summary.calibrationRows)} ${summary.calibration} rows; columns ${columns.join(', ')}`,
    `model: ${c.cell}, ${c.hidden} hidden x ${c.layers} layer${c.layers > 1 ? 's' : ''}, ${c.mode}, window ${c.window}` +
      `${summary.period !== null ? ` (period found: ${summary.period})` : ''}, ${formatInteger(summary.parameters)} parameters`,
    `training: ${summary.epochs} epochs in ${formatDuration(summary.elapsedMs)}, kept epoch ${summary.bestEpoch} ` +
      `(loss ${formatNumber(summary.loss[last] ?? Number.NaN)}` +
      `${summary.valLoss.length > 0 ? `, validation ${formatNumber(summary.valLoss[last] ?? Number.NaN)}` : ''}), ${summary.stopReason}`,
    `threshold: ${summary.threshold === null ? 'set per row when detecting' : formatNumber(summary.threshold)} (${c.threshold.method})`,
    `saved ${modelPath}`,
  ];
  return `${lines.join('\n')}\n`;
}

export const trainCommand: CliCommand = {
  name: trainSpec.name,
  summary: trainSpec.summary,
  async run(argv, context) {
    const { positionals, flags, help } = parseCommandLine(trainSpec, argv);
    if (help) {
      context.io.stdout.write(formatHelp(trainSpec, context.program));
      return 0;
    }
    if (!flags.model) throw new UsageError('"train" needs --model <model.rnnad> to save the model to', trainSpec.name);
    const options = detectorOptionsFrom(flags, trainSpec.name);
    await checkWritable(flags.model, '--model');
    const progress = progressFor(context, flags.quiet);
    const dataPath = positionals[0]!;
    progress.note(`reading ${dataPath}`);
    const series = await readSeries(dataPath, flags, context.signal);
    const detector = new Detector(options);
    const summary = await fitWithProgress(detector, series, context, progress);
    await detector.save(flags.model);
    context.io.stdout.write(
      flags.json
        ? `${JSON.stringify(trainingJSON(summary, flags.model, dataPath))}\n`
        : trainingText(summary, flags.model, dataPath, series.columnNames),
    );
    return 0;
  },
};
