/**
 * Short run of the model-file fuzzer (test/fuzz/model-file-cases.ts): every truncation of three
 * small detectors' files, then seeded mutations (bit flips, CRC-fixed bytes, hostile header
 * values, crafted tensor tables, prefix fields and network shapes). Every case runs in a child
 * process under a memory cap and a per-case timeout and must end in a valid load or an
 * RnnAnomalyError: no crash, no hang, no other exception. `npm run fuzz` runs 100,000 cases.
 */
import { describe, expect, it } from 'vitest';
import { runModelFileFuzz } from './fuzz/model-file-fuzzer.js';

const CASES = 12_000;

describe('model-file fuzzer, short run', () => {
  it(`${CASES} cases of seed 1: a load or a typed error each, in bounded memory`, async () => {
    const summary = await runModelFileFuzz({ seed: 1, cases: CASES });
    expect(summary.failures).toEqual([]);
    expect(summary.loaded + summary.rejected + summary.failedOnUse).toBe(CASES);
    expect(summary.kinds.truncation).toBeGreaterThan(9000);
    // The intact base files, at least, load and work.
    expect(summary.loaded).toBeGreaterThanOrEqual(3);
    expect(summary.peakRssBytes).toBeLessThan(512 * 2 ** 20);
    expect(summary.slowestCase.ms).toBeLessThan(5000);
  }, 300_000);
});
