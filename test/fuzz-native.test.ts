import { describe, expect, it } from 'vitest';

import { native } from '../src/engine/native.js';
import { discoverSurface, templateProblems } from './fuzz/native-fuzz-cases.js';
import { runNativeFuzz } from './fuzz/native-fuzz-runner.js';

// The short run of the native fuzzer (the long one: `npm run fuzz`, scripts/fuzz-native.ts).
// Every export of the addon, called with hostile arguments and receivers, in child processes:
// no crash, no hang, every failure a typed error, RSS under the cap.

const SEED = 20261204;
const CASES = 3000;

describe('native fuzzer', () => {
  it('knows valid arguments for every export, and the addon accepts them', async () => {
    const addon = native() as unknown as Record<string, unknown>;
    expect(await templateProblems(addon, discoverSurface(addon))).toEqual([]);
  });

  it(`${CASES} seeded cases: no crash, no hang, only typed errors, RSS bounded`, async () => {
    const report = await runNativeFuzz({ seed: SEED, cases: CASES, batch: 1000, parallel: 2, rssCapMb: 1024 });
    expect(report.crashes).toEqual([]);
    expect(report.failures).toEqual([]);
    expect(report.cases).toBe(CASES);
    expect(report.peakRssMb).toBeLessThan(1024);
    // Every method, getter, constructor and free function the addon has got cases.
    const surfaceTargets = Object.entries(report.surface).flatMap(([cls, names]) =>
      cls === 'functions' ? names.filter((n) => n !== 'setErrorClasses') : names.map((n) => `${cls}.${n}`),
    );
    for (const target of surfaceTargets) expect(report.targets[target], target).toBeGreaterThan(0);
    expect(report.counts.typed).toBeGreaterThan(CASES / 10);
    expect(report.counts.ok).toBeGreaterThan(CASES / 10);
  }, 120_000);

  it('names the case and seed of a child that dies by a signal, and runs the rest of its batch', async () => {
    process.env.RNN_ANOMALY_FUZZ_CRASH_AT = '37';
    try {
      const report = await runNativeFuzz({ seed: SEED, cases: 60, batch: 60, parallel: 1 });
      expect(report.crashes.map((c) => [c.seed, c.index, c.reason])).toEqual([[SEED, 37, 'signal SIGSEGV']]);
      expect(report.cases).toBe(59);
    } finally {
      delete process.env.RNN_ANOMALY_FUZZ_CRASH_AT;
    }
  }, 60_000);
});
