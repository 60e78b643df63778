/**
 * NAB's three cost profiles (config/profiles.json of numenta/NAB). A_TN is omitted because
 * true negatives never enter the score.
 */
import { InvalidArgumentError } from '../errors.js';

export interface NabCostMatrix {
  /** Reward for detecting a window at its first row. */
  tp: number;
  /** Largest penalty per false-positive row. */
  fp: number;
  /** Penalty per missed window. */
  fn: number;
}

export type NabProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';

export interface NabProfile {
  name: string;
  costs: NabCostMatrix;
}

export const NAB_PROFILES: Readonly<Record<NabProfileName, Readonly<NabCostMatrix>>> = Object.freeze({
  standard: Object.freeze({ tp: 1.0, fp: 0.11, fn: 1.0 }),
  reward_low_FP_rate: Object.freeze({ tp: 1.0, fp: 0.22, fn: 1.0 }),
  reward_low_FN_rate: Object.freeze({ tp: 1.0, fp: 0.11, fn: 2.0 }),
});

export const NAB_PROFILE_NAMES: readonly NabProfileName[] = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];

/** Resolves profile names and custom cost matrices; names must be unique. */
export function resolveNabProfiles(profiles: readonly (NabProfileName | NabProfile)[] = NAB_PROFILE_NAMES): NabProfile[] {
  if (!Array.isArray(profiles) || profiles.length === 0) {
    throw new InvalidArgumentError(`profiles must be a non-empty array of profile names (${NAB_PROFILE_NAMES.join(', ')}) or { name, costs } objects`);
  }
  const out: NabProfile[] = [];
  for (const [i, p] of profiles.entries()) {
    let profile: NabProfile;
    if (typeof p === 'string') {
      const costs = (NAB_PROFILES as Record<string, NabCostMatrix>)[p];
      if (costs === undefined) {
        throw new InvalidArgumentError(`profiles[${i}] must be one of ${NAB_PROFILE_NAMES.join(', ')}, got "${p}"`);
      }
      profile = { name: p, costs: { ...costs } };
    } else if (p !== null && typeof p === 'object' && typeof p.name === 'string' && p.costs !== null && typeof p.costs === 'object') {
      for (const key of ['tp', 'fp', 'fn'] as const) {
        const v = p.costs[key];
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
          throw new InvalidArgumentError(`profiles[${i}].costs.${key} must be a finite number >= 0, got ${String(v)}`);
        }
      }
      if (p.costs.tp === 0 && p.costs.fn === 0) {
        throw new InvalidArgumentError(`profiles[${i}].costs: tp and fn cannot both be 0 (the score could not be normalised)`);
      }
      profile = { name: p.name, costs: { tp: p.costs.tp, fp: p.costs.fp, fn: p.costs.fn } };
    } else {
      throw new InvalidArgumentError(`profiles[${i}] must be a profile name or { name, costs: { tp, fp, fn } }`);
    }
    if (out.some((q) => q.name === profile.name)) {
      throw new InvalidArgumentError(`profiles[${i}]: profile "${profile.name}" is listed twice`);
    }
    out.push(profile);
  }
  return out;
}
