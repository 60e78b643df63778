import { readFile } from 'node:fs/promises';
import { Detector } from '../../detector/detector.js';
import { decodeModelFile } from '../../persistence/model-file.js';
import { formatInteger, formatNumber } from '../../report/format.js';
import { formatHelp, parseCommandLine, flag, type CommandSpec } from '../args.js';
import type { CliCommand } from '../command.js';
import { formatDuration } from '../progress.js';

const infoFlags = {
  json: flag.switch({ description: 'Print everything as JSON' }),
  verbose: flag.switch({ description: 'Show stack traces on errors', short: 'v' }),
} as const;

export const infoSpec: CommandSpec<typeof infoFlags> = {
  name: 'info',
  summary: 'Show what a model file holds: columns, model and training settings, threshold, training summary.',
  positionals: [{ name: 'model.rnnad', description: 'Model file' }],
  flags: infoFlags,
  examples: ['rnn-anomaly info model.rnnad', 'rnn-anomaly info model.rnnad --json'],
};

interface ModelInfo {
  file: string;
  bytes: number;
  formatVersion: number;
  library: string | null;
  columns: readonly string[];
  features: readonly string[];
  parameters: number;
  tensors: { name: string; length: number }[];
  config: unknown;
  training: unknown;
}

function describeModel(path: string, bytes: Uint8Array, detector: Detector): ModelInfo {
  const contents = decodeModelFile(bytes, path);
  const payload = contents.payload as { library?: unknown };
  const summary = detector.summary;
  const { history: _history, config: _config, ...training } = summary;
  const config = detector.config;
  return {
    file: path,
    bytes: bytes.length,
    formatVersion: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true),
    library: typeof payload.library === 'string' ? payload.library : null,
    columns: detector.columnNames,
    features: config.mode === 'forecast' ? featuresOf(detector) : [...detector.columnNames],
    parameters: detector.network.paramCount,
    tensors: [...contents.tensors].map(([name, data]) => ({ name, length: data.length })),
    config,
    training,
  };
}

/** Forecast targets: the columns whose errors make up the score. */
function featuresOf(detector: Detector): string[] {
  const targets = detector.options.targets;
  if (targets === null) return [...detector.columnNames];
  return targets.map((t) => (typeof t === 'number' ? detector.columnNames[t]! : t));
}

function infoText(info: ModelInfo, detector: Detector): string {
  const c = detector.config;
  const s = detector.summary;
  const threshold = Object.entries(c.threshold)
    .map(([k, v]) => (k === 'method' ? String(v) : `${k}=${String(v)}`))
    .join(' ');
  const lines = [
    `${info.file}: rnn-anomaly model, format ${info.formatVersion}${info.library ? `, written by version ${info.library}` : ''}, ${formatInteger(info.bytes)} bytes`,
    `columns (${info.columns.length}): ${info.columns.join(', ')}`,
    `scored features: ${info.features.join(', ')}`,
    `network: ${c.cell}${c.cell === 'rnn' ? ` (${c.nonlinearity})` : ''}${c.cell === 'gru' ? ` (reset ${c.resetAfter ? 'after' : 'before'})` : ''}, ` +
      `${c.hidden} hidden x ${c.layers} layer${c.layers > 1 ? 's' : ''}, ${formatInteger(info.parameters)} parameters`,
    `mode: ${c.mode}, window ${c.window}${c.mode === 'forecast' ? `, horizon ${c.horizon}` : ''}; score ${c.score}` +
      `${c.smoothing ? `, smoothing ${c.smoothing}` : ''}; scaler ${c.scaler}; missing values: ${c.missing}`,
    `threshold: ${threshold}; calibrated value ${s.threshold === null ? 'per row' : formatNumber(s.threshold)} on ${formatInteger(s.calibrationRows)} ${s.calibration} rows`,
    `training: ${formatInteger(s.trainRows)} rows (+${formatInteger(s.validationRows)} validation), ${s.epochs} of at most ${c.epochs} epochs, ` +
      `kept epoch ${s.bestEpoch} (${s.stopReason}), ${formatDuration(s.elapsedMs)}`,
    `optimizer: ${c.optimizer}, learning rate ${c.learningRate}, batch ${c.batchSize}, clip ${c.clipNorm}, seed ${c.seed}`,
  ];
  return `${lines.join('\n')}\n`;
}

export const infoCommand: CliCommand = {
  name: infoSpec.name,
  summary: infoSpec.summary,
  async run(argv, context) {
    const { positionals, flags, help } = parseCommandLine(infoSpec, argv);
    if (help) {
      context.io.stdout.write(formatHelp(infoSpec, context.program));
      return 0;
    }
    const path = positionals[0]!;
    const bytes = await readFile(path);
    const detector = Detector.fromBuffer(bytes, path);
    const info = describeModel(path, bytes, detector);
    context.io.stdout.write(flags.json ? `${JSON.stringify(info)}\n` : infoText(info, detector));
    return 0;
  },
};
