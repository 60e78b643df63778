import { Detector } from '../../detector/detector.js';
import type { UpdateSummary } from '../../model/fitted-model.js';
import { formatInteger, formatNumber } from '../../report/format.js';
import { flag, formatHelp, parseCommandLine, type CommandSpec } from '../args.js';
import type { CliCommand } from '../command.js';
import { CSV_FLAG_NAMES, csvFlags, readSeries } from '../data-flags.js';
import { withFlagNames } from '../detector-flags.js';
import { VERBOSITY_FLAG_NAMES, progressFor, verbosityFlags } from '../fit-with-progress.js';
import { checkWritable } from '../outputs.js';
import { formatDuration } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { modelColumns } from './detect.js';

const updateFlags = {
  model: flag.string({
    description: 'Model file to continue training (written by "train" or "run --model")',
    placeholder: '<model.rnnad>',
  }),
  out: flag.string({
    description: 'Where to save the updated model (default: over --model, atomically)',
    placeholder: '<model.rnnad>',
  }),
  epochs: flag.number({ description: "Passes over the new rows' windows", integer: true, default: 1 }),
  learningRate: flag.number({ description: "Learning rate (default: the model's)" }),
  json: flag.switch({ description: 'Print the update summary as JSON on stdout' }),
  ...csvFlags,
  ...verbosityFlags,
} as const;

export const updateSpec: CommandSpec<typeof updateFlags> = {
  name: 'update',
  summary:
    "Continue training a saved model on new rows (scaler kept, threshold re-calibrated on the new rows' scores), then save it.",
  positionals: [{ name: 'data.csv', description: 'Mostly normal rows that continue the data the model saw last' }],
  flags: updateFlags,
  groups: [
    { title: 'Model', flags: ['model', 'out', 'epochs', 'learningRate', 'json'] },
    { title: 'Reading the CSV', flags: CSV_FLAG_NAMES },
    { title: 'Messages', flags: VERBOSITY_FLAG_NAMES },
  ],
  examples: [
    'rnn-anomaly update this-week.csv --model model.rnnad',
    'rnn-anomaly update this-week.csv --model model.rnnad --out model-2.rnnad --epochs 3 --learning-rate 0.0003',
  ],
};

function updateText(update: UpdateSummary, dataPath: string, modelPath: string): string {
  const lines = [
    `${dataPath}: ${formatInteger(update.rows)} new rows, ${formatInteger(update.windows)} windows, ` +
      `${update.epochs} epoch${update.epochs > 1 ? 's' : ''} in ${formatDuration(update.elapsedMs)} ` +
      `(loss ${formatNumber(update.loss[update.loss.length - 1] ?? Number.NaN)})`,
    `threshold: ${update.threshold === null ? 'set per row when detecting' : formatNumber(update.threshold)}` +
      `${update.thresholdRecalibrated ? ' (re-calibrated on the new rows)' : ' (kept: too few new rows to calibrate it)'}`,
    ...(update.contaminatedRows
      ? [
          `${formatInteger(update.contaminatedRows)} new rows with extreme scores left out of training and calibration ` +
            "(the model's contamination setting)",
        ]
      : []),
    `saved ${modelPath}`,
  ];
  return `${lines.join('\n')}\n`;
}

export const updateCommand: CliCommand = {
  name: updateSpec.name,
  summary: updateSpec.summary,
  async run(argv, context) {
    const { positionals, flags, help } = parseCommandLine(updateSpec, argv);
    if (help) {
      context.io.stdout.write(formatHelp(updateSpec, context.program));
      return 0;
    }
    if (!flags.model) throw new UsageError('"update" needs --model <model.rnnad>', updateSpec.name);
    const target = flags.out ?? flags.model;
    await checkWritable(target, flags.out ? '--out' : '--model');
    const progress = progressFor(context, flags.quiet);
    const dataPath = positionals[0]!;
    const detector = await Detector.load(flags.model);
    progress.note(`reading ${dataPath}`);
    const series = modelColumns(await readSeries(dataPath, flags, context.signal), detector, dataPath, flags.model);
    progress.note(`training on ${series.rows} new rows`);
    let update: UpdateSummary;
    try {
      update = await detector.update(series, {
        epochs: flags.epochs ?? 1,
        ...(flags.learningRate !== undefined ? { learningRate: flags.learningRate } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
      });
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError) {
        throw new UsageError(withFlagNames(err.message.replace(/updateOptions\./g, 'options.')), updateSpec.name);
      }
      throw err;
    }
    await detector.save(target);
    context.io.stdout.write(
      flags.json
        ? `${JSON.stringify({ model: target, data: dataPath, ...update, elapsedMs: Math.round(update.elapsedMs) })}\n`
        : updateText(update, dataPath, target),
    );
    return 0;
  },
};
