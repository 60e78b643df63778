import { scoreNabCorpus, type NabCorpusScore } from '../../eval/nab/score.js';
import { flag, formatHelp, parseCommandLine, type CommandSpec } from '../args.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../usage-error.js';

const nabFlags = {
  data: flag.string({
    description: "NAB's data/ folder (category sub-folders of CSV files)",
    placeholder: '<nab/data>',
  }),
  results: flag.string({
    description:
      "One detector's results folder: <category>/<name>_<file>.csv (or .csv.gz) with an anomaly_score column in [0, 1]",
    placeholder: '<dir>',
  }),
  labels: flag.string({
    description: 'Label windows (default: <data>/../labels/combined_windows.json)',
    placeholder: '<file.json>',
  }),
  threshold: flag.number({ description: 'One score threshold for all three profiles', min: 0, max: 1 }),
  optimize: flag.switch({ description: "Choose each profile's threshold over the corpus, as NAB does (the default)" }),
  perFile: flag.switch({ description: "Include every file's score in the output" }),
  verbose: flag.switch({ description: 'Show stack traces on errors', short: 'v' }),
} as const;

export const nabScoreSpec: CommandSpec<typeof nabFlags> = {
  name: 'nab score',
  summary:
    'Score anomaly scores in the Numenta Anomaly Benchmark layout; prints JSON with the standard, reward_low_FP_rate and reward_low_FN_rate scores.',
  positionals: [],
  flags: nabFlags,
  examples: [
    'rnn-anomaly nab score --data NAB/data --results NAB/results/myDetector',
    'rnn-anomaly nab score --data NAB/data --results NAB/results/myDetector --threshold 0.5',
  ],
};

function compact(score: NabCorpusScore, perFile: boolean): Record<string, unknown> {
  const profiles = Object.fromEntries(
    Object.entries(score.profiles).map(([name, p]) => {
      const { files, ...totals } = p;
      return [name, perFile ? { ...totals, files } : totals];
    }),
  );
  return { files: score.files, rows: score.rows, scoredRows: score.scoredRows, windows: score.windows, profiles };
}

export const nabScoreCommand: CliCommand = {
  name: nabScoreSpec.name,
  summary: nabScoreSpec.summary,
  async run(argv, context) {
    const { flags, help } = parseCommandLine(nabScoreSpec, argv);
    if (help) {
      context.io.stdout.write(formatHelp(nabScoreSpec, context.program));
      return 0;
    }
    if (!flags.data || !flags.results)
      throw new UsageError('"nab score" needs --data <nab/data> and --results <dir>', nabScoreSpec.name);
    if (flags.optimize && flags.threshold !== undefined) {
      throw new UsageError('--threshold and --optimize exclude each other', nabScoreSpec.name);
    }
    const score = await scoreNabCorpus({
      dataDir: flags.data,
      resultsDir: flags.results,
      ...(flags.labels ? { labelsPath: flags.labels } : {}),
      ...(flags.threshold !== undefined ? { threshold: flags.threshold } : { optimize: true }),
    });
    context.io.stdout.write(`${JSON.stringify(compact(score, flags.perFile === true), null, 2)}\n`);
    return 0;
  },
};
