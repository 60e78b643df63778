import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadNabCorpus, scoreNabCorpus, writeNabResultsFile } from '../src/eval/index.js';
import { readNabResultsFile } from '../src/eval/nab/results-file.js';
import { nabRawScore } from '../src/eval/nab/rules.js';

// A two-file corpus: cat/a.csv (100 rows, window 50..59) and cat/b.csv (40 rows, no window).
let root: string;
const stamp = (r: number): string =>
  new Date(Date.UTC(2020, 0, 1) + r * 300_000).toISOString().replace('T', ' ').slice(0, 19);

function dataCsv(rows: number): string {
  return ['timestamp,value', ...Array.from({ length: rows }, (_, r) => `${stamp(r)},${r % 7}`)].join('\n') + '\n';
}

function resultsCsv(scores: number[]): string {
  return ['timestamp,anomaly_score', ...scores.map((s, r) => `${stamp(r)},${s}`)].join('\n') + '\n';
}

const aScores = Array.from({ length: 100 }, (_, r) => ([10, 20, 52, 55, 70].includes(r) ? 0.9 : 0.1));
const bScores = Array.from({ length: 40 }, (_, r) => (r === 30 ? 0.95 : 0));

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'rnnad-nab-'));
  await mkdir(path.join(root, 'data', 'cat'), { recursive: true });
  await mkdir(path.join(root, 'labels'));
  await writeFile(path.join(root, 'data', 'cat', 'a.csv'), dataCsv(100));
  await writeFile(path.join(root, 'data', 'cat', 'b.csv'), dataCsv(40));
  await writeFile(
    path.join(root, 'labels', 'combined_windows.json'),
    JSON.stringify({ 'cat/a.csv': [[`${stamp(50)}.000000`, `${stamp(59)}.000000`]], 'cat/b.csv': [] }),
  );
  await mkdir(path.join(root, 'results', 'mydet', 'cat'), { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const dataDir = (): string => path.join(root, 'data');
const resultsDir = (): string => path.join(root, 'results', 'mydet');

describe('NAB results files', () => {
  it('reads plain and gzip-compressed files, with or without the detector prefix', async () => {
    await writeFile(path.join(resultsDir(), 'cat', 'a.csv.gz'), gzipSync(resultsCsv(aScores)));
    await writeFile(path.join(resultsDir(), 'cat', 'mydet_b.csv'), resultsCsv(bScores));
    const r = await scoreNabCorpus({ dataDir: dataDir(), resultsDir: resultsDir(), threshold: 0.5 });
    // File a is SCORING.md's worked example (0.7575937396); b adds one early FP: -0.11.
    expect(r.profiles.standard!.files.map((f) => f.file)).toEqual(['cat/a.csv', 'cat/b.csv']);
    expect(r.profiles.standard!.files[0]!.rawScore).toBeCloseTo(0.7575937396, 10);
    expect(r.profiles.standard!.files[1]!.rawScore).toBeCloseTo(-0.11, 12);
    expect(r.profiles.standard!.rawScore).toBeCloseTo(0.6475937396, 10);
    // One window: null = -1, perfect = +1.
    expect(r.profiles.standard!.normalizedScore).toBeCloseTo((100 * (0.6475937396 + 1)) / 2, 8);
    expect(r.profiles.reward_low_FN_rate!.normalizedScore).toBeCloseTo((100 * (0.6475937396 + 2)) / 3, 8);
    expect(r).toMatchObject({ files: 2, rows: 140, scoredRows: 85 + 34, windows: 1 });
  });

  it('optimises thresholds per profile and scores a subset of files', async () => {
    await writeFile(path.join(resultsDir(), 'cat', 'a.csv'), resultsCsv(aScores));
    const r = await scoreNabCorpus({
      dataDir: dataDir(),
      resultsDir: resultsDir(),
      files: ['cat/a.csv'],
      profiles: ['standard'],
    });
    expect(Object.keys(r.profiles)).toEqual(['standard']);
    expect(r.profiles.standard).toMatchObject({ threshold: 0.9, thresholdSource: 'optimized' });
    expect(r.profiles.standard!.rawScore).toBeCloseTo(0.7575937396, 10);
  });

  it('accepts custom cost profiles', async () => {
    await writeFile(path.join(resultsDir(), 'cat', 'a.csv'), resultsCsv(aScores));
    const costs = { tp: 2, fp: 0.5, fn: 3 };
    const r = await scoreNabCorpus({
      dataDir: dataDir(),
      resultsDir: resultsDir(),
      files: ['cat/a.csv'],
      profiles: [{ name: 'mine', costs }],
      threshold: 0.5,
    });
    const corpus = await loadNabCorpus({ dataDir: dataDir(), files: ['cat/a.csv'] });
    const w = corpus.files[0]!.weights;
    // Hand sum: first detection in the window (row 52) + FPs at rows 20 and 70.
    const expected = 2 * w.weight[52 - 15]! + 0.5 * (w.weight[20 - 15]! + w.weight[70 - 15]!);
    expect(r.profiles.mine!.rawScore).toBeCloseTo(expected, 12);
    expect(
      nabRawScore(
        { windows: 1, windowsDetected: 0, earliestWeightSum: 0, falsePositiveWeightSum: 0, tp: 0, fp: 0, fn: 0, tn: 0 },
        costs,
      ),
    ).toBe(-3);
    expect(r.profiles.mine!.normalizedScore).toBeCloseTo((100 * (expected + 3)) / 5, 10);
  });

  it('writes results atomically in a form the reader accepts', async () => {
    const corpus = await loadNabCorpus({ dataDir: dataDir() });
    const file = corpus.files[0]!;
    const target = path.join(resultsDir(), 'cat', 'mydet_a.csv.gz');
    await writeNabResultsFile(target, file, Float64Array.from(aScores));
    expect(await readdir(path.join(resultsDir(), 'cat'))).toEqual(['mydet_a.csv.gz']);
    const back = await readNabResultsFile(target);
    expect(Array.from(back.scores)).toEqual(aScores);
    expect(Array.from(back.timestamps!)).toEqual(Array.from(file.timestamps));
    await expect(writeNabResultsFile(target, file, new Float64Array(3))).rejects.toMatchObject({
      code: 'ERR_SHAPE_MISMATCH',
    });
  });
});

describe('NAB input errors', () => {
  it('names a missing results file and where it looked', async () => {
    // Only a's file is missing: with both missing, whichever read fails first names its file.
    await writeFile(path.join(resultsDir(), 'cat', 'mydet_b.csv'), resultsCsv(bScores));
    await expect(
      scoreNabCorpus({ dataDir: dataDir(), resultsDir: resultsDir(), threshold: 0.5 }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringContaining('mydet_a.csv'),
    });
  });

  it('rejects results with the wrong row count, wrong timestamps or bad scores', async () => {
    const write = (text: string): Promise<void> => writeFile(path.join(resultsDir(), 'cat', 'a.csv'), text);
    await writeFile(path.join(resultsDir(), 'cat', 'b.csv'), resultsCsv(bScores));
    const score = (): Promise<unknown> =>
      scoreNabCorpus({ dataDir: dataDir(), resultsDir: resultsDir(), threshold: 0.5 });

    await write(resultsCsv(aScores.slice(1)));
    await expect(score()).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringContaining('99 rows'),
    });

    await write(resultsCsv(aScores).replace(stamp(3), stamp(4)));
    await expect(score()).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringContaining('line 5'),
    });

    await write(resultsCsv(aScores.map((s, r) => (r === 7 ? 1.5 : s))));
    await expect(score()).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringContaining('row 7 must be a number in [0, 1]'),
    });

    await write(resultsCsv(aScores).replace(`${stamp(8)},0.1`, `${stamp(8)},nan`));
    await expect(score()).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringContaining('line 10'),
    });

    await write('timestamp,score\n');
    await expect(score()).rejects.toMatchObject({ message: expect.stringContaining('anomaly_score') });
  });

  it('rejects window edges that match no row and overlapping windows', async () => {
    const labels = path.join(root, 'labels', 'combined_windows.json');
    await writeFile(labels, JSON.stringify({ 'cat/a.csv': [['2030-01-01 00:00:00.000000', stamp(59)]] }));
    await expect(loadNabCorpus({ dataDir: dataDir() })).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringContaining('2030-01-01'),
    });
    await writeFile(
      labels,
      JSON.stringify({
        'cat/a.csv': [
          [stamp(50), stamp(59)],
          [stamp(55), stamp(65)],
        ],
      }),
    );
    await expect(loadNabCorpus({ dataDir: dataDir() })).rejects.toMatchObject({
      message: expect.stringContaining('overlap'),
    });
    await writeFile(labels, '{"cat/a.csv": [["x"]]}');
    await expect(loadNabCorpus({ dataDir: dataDir() })).rejects.toMatchObject({ code: 'ERR_INVALID_DATA' });
  });

  it('rejects contradictory or incomplete threshold options', async () => {
    const base = { dataDir: dataDir(), resultsDir: resultsDir() };
    await expect(scoreNabCorpus({ ...base, threshold: 0.5, optimize: true })).rejects.toBeInstanceOf(TypeError);
    await expect(scoreNabCorpus({ ...base, optimize: false })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(scoreNabCorpus({ ...base, thresholds: { standard: 0.5 } })).rejects.toMatchObject({
      message: expect.stringContaining('thresholds.reward_low_FP_rate'),
    });
    await expect(scoreNabCorpus({ ...base, threshold: Number.NaN })).rejects.toMatchObject({
      message: expect.stringContaining('threshold'),
    });
    await expect(scoreNabCorpus({ ...base, profiles: ['strict' as never], threshold: 0.5 })).rejects.toMatchObject({
      message: expect.stringContaining('profiles[0]'),
    });
    await expect(
      scoreNabCorpus({ dataDir: path.join(root, 'nope'), resultsDir: resultsDir(), threshold: 0.5 }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('dataDir'),
    });
    await expect(loadNabCorpus({ dataDir: dataDir(), files: ['cat/c.csv'] })).rejects.toMatchObject({
      message: expect.stringContaining('cat/c.csv'),
    });
  });

  it('refuses to normalise a subset without windows', async () => {
    await writeFile(path.join(resultsDir(), 'cat', 'b.csv'), resultsCsv(bScores));
    await expect(
      scoreNabCorpus({ dataDir: dataDir(), resultsDir: resultsDir(), files: ['cat/b.csv'] }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('no labelled windows'),
    });
  });
});
