/**
 * A fitted detector as model file contents and back: the JSON payload (options, resolved
 * configuration, columns, scaler, Gaussian error model, threshold state, training summary,
 * library version) plus two tensors (network weights, the last training window). Loading checks
 * the payload, so a file that passed its CRC but was written by something else still fails with
 * ModelFileError instead of a confusing error later.
 */
import { Scaler } from '../data/scaler.js';
import { AnomalyNetwork, type NetworkSpec } from '../engine/anomaly-network.js';
import { ModelFileError } from '../core/errors.js';
import { GaussianErrorModel } from '../scoring/gaussian-error-model.js';
import { thresholdFromJSON } from '../thresholds/index.js';
import type { FitSummary, FittedModel, ModelConfig } from '../model/fitted-model.js';
import { FRESH_SMOOTHING, type SmoothingState } from '../model/row-scores.js';
import { LIBRARY_VERSION } from './library-version.js';
import type { ModelFileContents } from './model-file.js';

const PAYLOAD_FORMAT = 'rnn-anomaly/detector';

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
  const spec = model.network.spec;
  const payload: DetectorPayload = {
    format: PAYLOAD_FORMAT,
    library: LIBRARY_VERSION,
    options,
    config: model.config,
    columnNames: [...model.columnNames],
    features: Array.from(model.features),
    network: {
      cell: spec.cell,
      ...(spec.cell === 'rnn' ? { nonlinearity: spec.nonlinearity } : {}),
      resetAfter: spec.resetAfter,
      inputSize: spec.inputSize,
      hiddenSize: spec.hiddenSize,
      layers: spec.layers,
      mode: spec.mode,
      outputSize: spec.outputSize,
    },
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

export function fromSnapshot(contents: ModelFileContents, source: string): { options: object; model: FittedModel } {
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
  const config = p.config;
  if (typeof config !== 'object' || config === null || !Number.isInteger(config.window) || config.window < 1)
    fail('configuration');
  const parameters = contents.tensors.get('parameters');
  const context = contents.tensors.get('context');
  if (!parameters) fail('tensor table (no parameters)');
  if (!context || context.length % columns !== 0 || context.length / columns > config!.window) fail('context tensor');

  let network: AnomalyNetwork;
  try {
    network = new AnomalyNetwork(p.network as NetworkSpec);
    network.setFlatParameters(parameters!);
  } catch (cause) {
    return fail('network', cause);
  }
  if (network.spec.inputSize !== columns) fail(`network (input size ${network.spec.inputSize} for ${columns} columns)`);
  let scaler: Scaler;
  let gaussian: GaussianErrorModel | null;
  try {
    scaler = Scaler.fromJSON(p.scaler);
  } catch (cause) {
    return fail('scaler', cause);
  }
  if (scaler.columns !== columns) fail(`scaler (${scaler.columns} columns for ${columns})`);
  try {
    gaussian = p.gaussian === null || p.gaussian === undefined ? null : GaussianErrorModel.fromJSON(p.gaussian);
  } catch (cause) {
    return fail('Gaussian error model', cause);
  }
  if (config!.score === 'loglik' && gaussian === null) fail("Gaussian error model (missing for score 'loglik')");
  let threshold;
  try {
    threshold = thresholdFromJSON(p.threshold);
  } catch (cause) {
    return fail('threshold state', cause);
  }
  if (typeof p.options !== 'object' || p.options === null) fail('options');
  const trainingEnd = p.trainingEnd ?? FRESH_SMOOTHING;
  if (!isSmoothingState(trainingEnd)) fail('smoothing state (trainingEnd)');
  return {
    options: p.options!,
    model: {
      config: config!,
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
