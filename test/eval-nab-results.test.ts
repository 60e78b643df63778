/**
 * The committed NAB results (eval/results/nab.json) belong to the configuration in
 * eval/nab-config.ts, and that configuration does not lean on library defaults. Reads only the
 * repository and test/fixtures/, never the datasets folder.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveOptions, toDetectorOptions } from '../src/detector/detector-options.js';
import { loadNabCorpus } from '../src/eval/nab/corpus.js';
import { NAB_CONFIG, nabConfigHash } from '../eval/nab-config.js';
import { onlineErrors } from '../eval/lib/nab-online-detector.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE_DATA = path.join(repoRoot, 'test', 'fixtures', 'datasets', 'nab', 'data');

interface CommittedResults {
  configuration: { hash: string } & Record<string, unknown>;
}

describe('eval/nab-config.ts and eval/results/nab.json', () => {
  it('the committed results were written by the current configuration (rerun npm run eval:nab after a change)', async () => {
    const committed = JSON.parse(
      await readFile(path.join(repoRoot, 'eval', 'results', 'nab.json'), 'utf8'),
    ) as CommittedResults;
    const { hash, ...configuration } = committed.configuration;
    // The object first, so a failure shows which setting differs; then the hash that names it.
    expect(configuration).toEqual(JSON.parse(JSON.stringify(NAB_CONFIG)));
    expect(hash).toBe(nabConfigHash(NAB_CONFIG));
  });

  it('the committed ablations start from the current configuration (rerun npm run eval:nab-ablations after a change)', async () => {
    const ablations = JSON.parse(
      await readFile(path.join(repoRoot, 'eval', 'results', 'nab-ablations.json'), 'utf8'),
    ) as { base: { hash: string }; variants: { name: string; hashes: string[] }[] };
    expect(ablations.base.hash).toBe(nabConfigHash(NAB_CONFIG));
    // Its first variant is the configuration itself, at seed 1 first.
    expect(ablations.variants[0]!.hashes[0]).toBe(nabConfigHash(NAB_CONFIG));
  });

  it('the hash changes with any setting, the score mapping included', () => {
    const base = nabConfigHash(NAB_CONFIG);
    const otherLearning = { ...NAB_CONFIG, online: { ...NAB_CONFIG.online, learn: null } };
    const otherMapping = { ...NAB_CONFIG, scoreMapping: { ...NAB_CONFIG.scoreMapping, refractory: 26 } };
    expect(nabConfigHash(otherLearning)).not.toBe(base);
    expect(nabConfigHash(otherMapping)).not.toBe(base);
    expect(nabConfigHash(structuredClone(NAB_CONFIG))).toBe(base);
  });

  it('pins every detector option that resolves, at the value it resolves to', () => {
    const { detector } = NAB_CONFIG.online;
    const resolved = toDetectorOptions(resolveOptions(detector));
    for (const [key, value] of Object.entries(resolved)) {
      expect(detector, `option ${key} is left to the library default`).toHaveProperty(key);
      expect(detector[key as keyof typeof detector], key).toEqual(value);
    }
  });
});

describe('the NAB network term (fixture file)', () => {
  it('a learning stream moves the errors after the probationary rows, the same on every run', async () => {
    const corpus = await loadNabCorpus({
      dataDir: FIXTURE_DATA,
      files: ['artificialWithAnomaly/art_daily_jumpsup.csv'],
    });
    const file = corpus.files[0]!;
    const probation = file.weights.probation;
    const learning = await onlineErrors(file.values, probation, NAB_CONFIG.online);
    const again = await onlineErrors(file.values, probation, NAB_CONFIG.online);
    const frozen = await onlineErrors(file.values, probation, { ...NAB_CONFIG.online, learn: null });
    expect(Array.from(again.errors)).toEqual(Array.from(learning.errors));
    expect(learning.errors.every(Number.isFinite)).toBe(true);
    let changed = 0;
    for (let r = probation; r < file.rows; r++) if (learning.errors[r] !== frozen.errors[r]) changed++;
    // The fitted weights are the same; what the stream learnt afterwards changes most later errors.
    expect(changed).toBeGreaterThan((file.rows - probation) / 2);
  });
});
