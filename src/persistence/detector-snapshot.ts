/**
 * A fitted detector as model file contents and back: the JSON payload (options, resolved
 * configuration, columns, scaler, Gaussian error model, threshold state, training summary,
 * library version) plus two tensors (network weights, the last training window). Loading checks
 * the payload, so a file that passed its CRC but was written by something else still fails with
 * ModelFileError instead of a confusing error later.
 */
import { Scaler } from '../data/scaler.js';
import { AnomalyNetwork, type NetworkSpec } from '../engine/anomaly-network.js';
import { describeValue } from '../core/argument-checks.js';
import { ModelFileError } from '../core/errors.js';
import { GaussianErrorModel } from '../scoring/gaussian-error-model.js';
import { thresholdFromJSON } from '../thresholds/index.js';
import type { FitSummary, FittedModel, ModelConfig } from '../model/fitted-model.js';
import { FRESH_SMOOTHING, type SmoothingState } from '../model/row-scores.js';
import { LIBRARY_VERSION } from './library-version.js';
import type { ModelFileContents } from './model-file.js';

const PAYLOAD_FORMAT = 'rnn-anomaly/detector';

const OPTION_DEFAULTS: Pick<
  ModelConfig,
  'horizonScore' | 'head' | 'varianceFloor' | 'dropout' | 'inputDropout' | 'calibration' | 'contamination'
> = {
  horizonScore: 'first',
  head: 'point',
  varianceFloor: 1e-4,
  dropout: 0,
  inputDropout: 0,
  // Files written before cross-fit calibration were calibrated on the holdout, and a refit of
  // such a detector keeps doing so.
  calibration: 'holdout',
  contamination: 0,
};

interface DetectorPayload {
  format: typeof PAYLOAD_FORMAT;
  library: string;
  /** The options the detector was made with, as the detector gives them (it validates them on load). */
  options: object;
  config: ModelConfig;
  columnNames: string[];
  features: number[];
  network: NetworkSpec;
  scaler: unknown;
  gaussian: unknown;
  threshold: unknown;
  /** Absent in files written before the smoothing state was kept; those restart it at the cut. */
  trainingEnd?: SmoothingState;
  summary: FitSummary;
}

export function toSnapshot(model: FittedModel, options: object): ModelFileContents {
  const payload: DetectorPayload = {
    format: PAYLOAD_FORMAT,
    library: LIBRARY_VERSION,
    options,
    config: model.config,
    columnNames: [...model.columnNames],
    features: Array.from(model.features),
    network: model.network.toSpec(),
    scaler: model.scaler.toJSON(),
    gaussian: model.gaussian ? model.gaussian.toJSON() : null,
    threshold: model.threshold.toJSON(),
    trainingEnd: { ...model.trainingEnd },
    summary: model.summary,
  };
  return {
    payload,
    tensors: new Map([
      ['parameters', model.network.getFlatParameters()],
      ['context', model.context],
    ]),
  };
}

/**
 * The Detector's option rules, handed down by the detector layer (persistence sits below it), so a
 * loaded configuration is checked by exactly the rules `new Detector(options)` applies.
 */
export interface OptionRules {
  /** Validates options as `new Detector(options)` does (throwing its errors); returns them resolved. */
  resolve(options: unknown): object;
  /** The options that resolve to `resolved` (an inverse of `resolve`). */
  unresolve(resolved: object): object;
}

export function fromSnapshot(
  contents: ModelFileContents,
  source: string,
  rules: OptionRules,
): { options: object; model: FittedModel } {
  const p = contents.payload as Partial<DetectorPayload> | null;
  if (typeof p !== 'object' || p === null || p.format !== PAYLOAD_FORMAT) {
    throw new ModelFileError(
      `${source} is a model file but not a detector (payload format ${JSON.stringify(p?.format)})`,
    );
  }
  const fail = (what: string, cause?: unknown): never => {
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    throw new ModelFileError(`${source} has an invalid ${what}${reason} (written by rnn-anomaly ${String(p.library)})`);
  };
  const columnNames = p.columnNames;
  if (!Array.isArray(columnNames) || columnNames.length === 0 || columnNames.some((c) => typeof c !== 'string'))
    fail('column list');
  const columns = columnNames!.length;
  const features = p.features;
  if (
    !Array.isArray(features) ||
    features.length === 0 ||
    features.some((f) => !Number.isInteger(f) || f < 0 || f >= columns)
  ) {
    fail('feature list');
  }
  // Files written before the network options (dropout, Gaussian head, horizonScore) or the
  // calibration method lack them.
  const config = checkConfig(withOptionDefaults(p.config), rules, fail);
  const spec = checkNetworkSpec(p.network, config, columns, features!, fail);
  const parameters = contents.tensors.get('parameters');
  const context = contents.tensors.get('context');
  if (!parameters) fail('tensor table (no parameters)');
  // Checked before the network exists: its constructor allocates for the declared shape.
  const expectedParameters = networkParameterCount(spec);
  if (parameters!.length !== expectedParameters) {
    fail(
      `parameters tensor (${parameters!.length} floats, the ${describeNetwork(spec)} network needs ${expectedParameters})`,
    );
  }
  const nonFinite = parameters!.findIndex((v) => !Number.isFinite(v));
  if (nonFinite >= 0)
    fail(
      `parameters tensor (weight ${nonFinite} is ${parameters![nonFinite]}; a trained network's weights are finite)`,
    );
  if (!context || context.length % columns !== 0 || context.length / columns > config.window) {
    fail(`context tensor (expected at most window ${config.window} rows of ${columns} columns)`);
  }

  let network: AnomalyNetwork;
  try {
    network = new AnomalyNetwork(spec, config.seed);
    network.setFlatParameters(parameters!);
  } catch (cause) {
    return fail('network', cause);
  }
  let scaler: Scaler;
  let gaussian: GaussianErrorModel | null;
  try {
    scaler = Scaler.fromJSON(p.scaler);
  } catch (cause) {
    return fail('scaler', cause);
  }
  if (scaler.columns !== columns) fail(`scaler (${scaler.columns} columns for ${columns})`);
  if (scaler.kind !== config.scaler) fail(`scaler (kind '${scaler.kind}', the configuration says '${config.scaler}')`);
  try {
    gaussian = p.gaussian === null || p.gaussian === undefined ? null : GaussianErrorModel.fromJSON(p.gaussian);
  } catch (cause) {
    return fail('Gaussian error model', cause);
  }
  if (config.score === 'loglik' && gaussian === null) fail("Gaussian error model (missing for score 'loglik')");
  if (gaussian !== null && gaussian.dimensions !== features!.length) {
    fail(`Gaussian error model (${gaussian.dimensions} dimensions for ${features!.length} scored features)`);
  }
  if (config.score === 'nll' && network!.spec.head !== 'gaussian')
    fail("network (score 'nll' without a Gaussian head)");
  let threshold;
  try {
    threshold = thresholdFromJSON(p.threshold);
  } catch (cause) {
    return fail('threshold state', cause);
  }
  if (threshold.method !== config.threshold.method) {
    fail(`threshold state (method '${threshold.method}', the configuration says '${config.threshold.method}')`);
  }
  const options = checkOptions(withCalibrationDefault(p.options), rules, fail);
  const trainingEnd = p.trainingEnd ?? FRESH_SMOOTHING;
  if (!isSmoothingState(trainingEnd)) fail('smoothing state (trainingEnd)');
  if (typeof p.summary !== 'object' || p.summary === null || Array.isArray(p.summary)) fail('training summary');
  return {
    options,
    model: {
      config,
      columnNames: Object.freeze([...columnNames!]),
      features: Int32Array.from(features!),
      network: network!,
      scaler: scaler!,
      gaussian: gaussian!,
      threshold,
      context: context!,
      trainingEnd: { ...trainingEnd },
      summary: p.summary!,
    },
  };
}

type Fail = (what: string, cause?: unknown) => never;

/** Options resolved by the Detector's rules; what is 'auto' there must be a number here. */
const CHOSEN_BY_FIT = ['hidden', 'window', 'epochs', 'batchSize', 'windowsPerEpoch'] as const;

/**
 * The configuration passes the same checks as `new Detector(options)` (ranges, enums, options
 * that exclude each other), and resolving it changes nothing: every field is present and none is
 * foreign to the cell, optimizer or mode it belongs with.
 */
function withOptionDefaults(value: unknown): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? { ...OPTION_DEFAULTS, ...value }
    : value;
}

/** Saved options without a calibration method come from files calibrated on the holdout, untrimmed. */
function withCalibrationDefault(value: unknown): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? { calibration: OPTION_DEFAULTS.calibration, contamination: OPTION_DEFAULTS.contamination, ...value }
    : value;
}

function checkConfig(value: unknown, rules: OptionRules, fail: Fail): ModelConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('configuration (not an object)');
  const config = value as Record<string, unknown>;
  for (const key of CHOSEN_BY_FIT) {
    if (typeof config[key] !== 'number')
      fail(`configuration (${key} must be a number, got ${describeValue(config[key])})`);
  }
  let resolved: object;
  try {
    resolved = rules.resolve(rules.unresolve({ ...config, targets: null, threads: null }));
  } catch (cause) {
    return fail('configuration', cause);
  }
  const { targets: _targets, threads: _threads, ...expected } = resolved as Record<string, unknown>;
  for (const [key, want] of Object.entries(expected)) {
    if (!sameJSON(config[key], want)) {
      fail(`configuration (${key} is ${JSON.stringify(config[key]) ?? 'missing'}, expected ${JSON.stringify(want)})`);
    }
  }
  return config as unknown as ModelConfig;
}

/** The network the configuration describes, for the file's columns and scored features. */
function checkNetworkSpec(
  value: unknown,
  config: ModelConfig,
  columns: number,
  features: number[],
  fail: Fail,
): NetworkSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('network (not an object)');
  const spec = value as NetworkSpec;
  const outputSize = config.mode === 'forecast' ? config.horizon * features.length : columns;
  const expected: Record<string, unknown> = {
    cell: config.cell,
    resetAfter: config.resetAfter,
    inputSize: columns,
    hiddenSize: config.hidden,
    layers: config.layers,
    mode: config.mode,
    outputSize,
    ...(config.cell === 'rnn' ? { nonlinearity: config.nonlinearity } : {}),
    head: config.head,
    dropout: config.dropout,
    inputDropout: config.inputDropout,
    ...(config.head === 'gaussian' ? { varianceFloor: config.varianceFloor } : {}),
  };
  // A spec leaves out the network options at their defaults (and files older than them lack them).
  const withDefaults: Record<string, unknown> = { head: 'point', dropout: 0, inputDropout: 0, ...spec };
  for (const [key, want] of Object.entries(expected)) {
    const got = withDefaults[key];
    if (got !== want)
      fail(
        `network (${key} is ${JSON.stringify(got) ?? 'missing'}, the configuration and columns need ${JSON.stringify(want)})`,
      );
  }
  if (config.cell !== 'rnn' && spec.nonlinearity !== undefined)
    fail(`network (nonlinearity given for cell '${config.cell}')`);
  if (config.mode === 'reconstruct' && features.some((f, i) => f !== i)) {
    fail(`feature list (${JSON.stringify(features)}; a reconstruction scores every column in order)`);
  }
  return spec;
}

/** Floats in the flat parameters of `spec` (native/kernels/params.cc and model.cc lay them out). */
export function networkParameterCount(spec: NetworkSpec): number {
  const gates = spec.cell === 'rnn' ? 1 : spec.cell === 'gru' ? 3 : 4;
  const H = spec.hiddenSize;
  const stack = (inputSize: number): number => {
    let total = 0;
    for (let layer = 0; layer < spec.layers; layer++) total += gates * H * ((layer === 0 ? inputSize : H) + H + 2);
    return total;
  };
  const decoder = spec.mode === 'reconstruct' ? stack(H) : 0;
  // A Gaussian head predicts a mean and a log-variance per output.
  const headRows = spec.head === 'gaussian' ? 2 * spec.outputSize : spec.outputSize;
  return stack(spec.inputSize) + decoder + headRows * H + headRows;
}

function describeNetwork(spec: NetworkSpec): string {
  return `${spec.cell} ${spec.mode} ${spec.inputSize} -> hidden ${spec.hiddenSize} x ${spec.layers} -> ${spec.outputSize}`;
}

/**
 * The saved options build a Detector (they are what a refit of the loaded detector uses; fit may
 * have narrowed them, so they need not equal the configuration).
 */
function checkOptions(value: unknown, rules: OptionRules, fail: Fail): object {
  try {
    rules.resolve(value);
  } catch (cause) {
    return fail('options', cause);
  }
  return value as object;
}

function sameJSON(a: unknown, b: unknown): boolean {
  return canonicalJSON(a) === canonicalJSON(b);
}

function canonicalJSON(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJSON(v)}`).join(',')}}`;
}

function isSmoothingState(value: unknown): value is SmoothingState {
  if (typeof value !== 'object' || value === null) return false;
  const { numerator, denominator } = value as Record<string, unknown>;
  return (
    typeof numerator === 'number' &&
    Number.isFinite(numerator) &&
    typeof denominator === 'number' &&
    Number.isFinite(denominator) &&
    denominator >= 0
  );
}
