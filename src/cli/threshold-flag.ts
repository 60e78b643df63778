import { DEFAULT_THRESHOLD } from '../detector/detector-options.js';
import { THRESHOLD_DEFAULTS, THRESHOLD_METHODS, checkThresholdSpec, type ThresholdSpec } from '../thresholds/spec.js';
import { flag, type Flag } from './args.js';
import { UsageError } from './usage-error.js';

/**
 * `--threshold METHOD[:key=value,...]`, e.g. `pot`, `pot:q=1e-4,level=0.99`, `ksigma:k=4`,
 * `percentile:q=99.5`, `spot:depth=50`, `dynamic:window=2000,p=0.1`. Keys are the library's
 * ThresholdSpec fields (camelCase or kebab-case); the library validates them, so the CLI and
 * the API accept exactly the same settings.
 */
export function parseThresholdFlag(raw: string, flagName: string): ThresholdSpec {
  const colon = raw.indexOf(':');
  const method = (colon < 0 ? raw : raw.slice(0, colon)).trim();
  const spec: Record<string, unknown> = { method };
  if (colon >= 0) {
    for (const part of raw.slice(colon + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0)
        throw new UsageError(`${flagName} parameters must look like key=value, got "${part}" in "${raw}"`, '');
      const key = part
        .slice(0, eq)
        .trim()
        .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      const text = part.slice(eq + 1).trim();
      const value = text === 'true' ? true : text === 'false' ? false : text === '' ? Number.NaN : Number(text);
      if (typeof value === 'number' && Number.isNaN(value)) {
        throw new UsageError(`${flagName} parameter ${key} expects a number or true/false, got "${text}"`, '');
      }
      spec[key] = value;
    }
  }
  try {
    return checkThresholdSpec(spec, flagName);
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) throw new UsageError(err.message, '');
    throw err;
  }
}

/** A spec in flag form, e.g. `pot:q=0.001,level=0.98`. */
export function thresholdText(spec: ThresholdSpec): string {
  const params = Object.entries(spec)
    .filter(([key, value]) => key !== 'method' && value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${String(value)}`);
  return params.length > 0 ? `${spec.method}:${params.join(',')}` : spec.method;
}

export function thresholdFlag(): Flag<ThresholdSpec> {
  return {
    ...flag.string({ description: '' }),
    description: `How scores become flags: a method, optionally with parameters; each method's defaults: ${THRESHOLD_METHODS.map((m) => thresholdText(THRESHOLD_DEFAULTS[m])).join('; ')}`,
    placeholder: '<method[:k=v,...]>',
    defaultText: thresholdText(DEFAULT_THRESHOLD),
    parse: parseThresholdFlag,
  };
}
