import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAST,
  SERIES_START,
  SPIKE,
  STEP_MS,
  collect,
  rowTime,
  runCli,
  startCli,
  writeSeriesCsv,
} from './cli-helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rnnad-cli-run-'));
  await writeSeriesCsv(join(dir, 'data.csv'));
  await writeFile(
    join(dir, 'labels.json'),
    JSON.stringify([
      [rowTime(895), rowTime(915)],
      [rowTime(100), rowTime(120)],
    ]),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface RunDocument {
  rows: number;
  columns: string[];
  train: { start: number; end: number; startTime: string };
  detect: { start: number; end: number };
  firstScoredRow: number;
  events: {
    start: number;
    end: number;
    startTime: string;
    endTime: string;
    peak: number;
    peakScore: number;
    features: { name: string; contribution: number }[];
  }[];
  labels: { start: number; end: number; status: string; events: number[] }[];
  scores: (number | null)[];
  flags: number[];
  threshold: number;
  training: { epochs: number; loss: number[] };
}

describe('rnn-anomaly run', () => {
  it('prints only the JSON result on stdout with --json, rows counted from the file start', async () => {
    const run = await runCli(
      ['run', 'data.csv', '--train-fraction', '0.5', ...FAST, '--labels', 'labels.json', '--json'],
      dir,
    );
    expect(run.stderr).not.toMatch(/Error|at .*\.ts/);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as RunDocument;
    expect(doc.rows).toBe(1200);
    expect(doc.columns).toEqual(['value']);
    expect(doc.train).toMatchObject({ start: 0, end: 599, startTime: new Date(SERIES_START).toISOString() });
    expect(doc.detect).toMatchObject({ start: 600, end: 1199 });
    // Forecasting continues from the training rows, so the first detected row is scored.
    expect(doc.firstScoredRow).toBe(600);
    expect(doc.scores.slice(0, 600).every((s) => s === null)).toBe(true);
    expect(doc.scores.slice(600).every((s) => typeof s === 'number')).toBe(true);
    expect(doc.training.epochs).toBeLessThanOrEqual(5);
    expect(doc.training.loss.length).toBe(doc.training.epochs);

    const spike = doc.events.find((e) => e.start <= SPIKE.end && e.end >= SPIKE.start);
    expect(spike).toBeDefined();
    expect(spike!.peak).toBeGreaterThanOrEqual(SPIKE.start);
    expect(spike!.peak).toBeLessThanOrEqual(SPIKE.end + 16);
    expect(spike!.startTime).toBe(new Date(SERIES_START + spike!.start * STEP_MS).toISOString());
    expect(spike!.features).toEqual([{ name: 'value', contribution: 1 }]);
    for (const e of doc.events) {
      expect(e.start).toBeGreaterThanOrEqual(600);
      expect(e.end).toBeGreaterThanOrEqual(e.start);
      // Event rows are flagged rows of the file, and their peak carries the event's score.
      expect(doc.flags[e.start]).toBe(1);
      expect(doc.flags[e.end]).toBe(1);
      expect(doc.scores[e.peak]).toBeCloseTo(e.peakScore, 5);
      expect(e.peakScore).toBeGreaterThan(doc.threshold);
    }
    expect(doc.labels.map((l) => l.status)).toEqual(['unscored', 'found']);
    expect(doc.labels[1]).toMatchObject({ start: 895, end: 915 });
    // Non-terminal stderr gets one plain line per epoch.
    expect(run.stderr).toMatch(/^epoch 1\/5 {2}loss \S+ {2}val_loss \S+/m);
  });

  it('writes the CSV result, the HTML report and the model, quietly', async () => {
    const run = await runCli(
      [
        'run',
        'data.csv',
        '--train-fraction',
        '0.5',
        ...FAST,
        '-q',
        '--out',
        'result.csv',
        '--report',
        'report.html',
        '--model',
        'm.rnnad',
      ],
      dir,
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^data\.csv: 1,200 rows x 1 column \(value\)/);
    expect(run.stdout).toMatch(new RegExp(`rows ${SPIKE.start}-`));
    expect(run.stdout).toContain('wrote result.csv, report.html, m.rnnad');

    const csv = (await readFile(join(dir, 'result.csv'), 'utf8')).trimEnd().split('\n');
    expect(csv).toHaveLength(1201);
    expect(csv[0]).toBe('row,timestamp,value,score,threshold,flag,event');
    expect(csv[1]).toMatch(/^0,2020-01-01T00:00:00\.000Z,[-\d.]+,,,,$/);
    const spikeRow = csv[SPIKE.start + 1]!.split(',');
    expect(spikeRow[0]).toBe(String(SPIKE.start));
    expect(spikeRow[5]).toBe('1');
    expect(Number(spikeRow[6])).toBeGreaterThan(0);

    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg class="chart score-chart"');
    expect(html).toContain('class="train-band"');
    const model = await readFile(join(dir, 'm.rnnad'));
    expect(model.subarray(0, 5).toString('latin1')).toBe('RNNAD');
  });

  it('trains, detects with the saved model and describes it', async () => {
    const train = await runCli(['train', 'data.csv', '--model', 'trained.rnnad', ...FAST, '--cell', 'lstm', '-q'], dir);
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/model: lstm, 8 hidden x 1 layer, forecast, window 16/);
    expect(train.stdout).toContain('saved trained.rnnad');

    const info = await runCli(['info', 'trained.rnnad', '--json'], dir);
    expect(info.code).toBe(0);
    const described = JSON.parse(info.stdout) as {
      columns: string[];
      parameters: number;
      config: { cell: string; hidden: number; window: number; seed: number };
    };
    expect(described.columns).toEqual(['value']);
    expect(described.config).toMatchObject({ cell: 'lstm', hidden: 8, window: 16, seed: 1 });
    // LSTM, 1 input, 8 hidden: 4*8*(1+8) weights + 2*4*8 biases; head 8 -> 1: 8 + 1.
    expect(described.parameters).toBe(4 * 8 * 9 + 2 * 32 + 9);

    const text = await runCli(['info', 'trained.rnnad'], dir);
    expect(text.stdout).toMatch(/columns \(1\): value/);

    const detect = await runCli(['detect', 'data.csv', '--model', 'trained.rnnad', '--json'], dir);
    expect(detect.code).toBe(0);
    const doc = JSON.parse(detect.stdout) as RunDocument;
    expect(doc.train).toBeNull();
    expect(doc.detect).toMatchObject({ start: 0, end: 1199 });
    // Standing alone, the first window (16 rows) has no history.
    expect(doc.firstScoredRow).toBe(16);
    expect(doc.scores[15]).toBeNull();
    expect(doc.events.some((e) => e.start <= SPIKE.end && e.end >= SPIKE.start)).toBe(true);
  });

  it('stops training on Ctrl-C, exits 130 and writes nothing', async () => {
    const outputs = ['--out', 'int.json', '--report', 'int.html', '--model', 'int.rnnad'];
    const child = startCli(
      ['run', 'data.csv', '--epochs', '100000', '--patience', '0', '--hidden', '8', '--window', '16', ...outputs],
      dir,
    );
    const done = collect(child);
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('epoch 2/')) resolve();
      });
      child.on('close', () => resolve());
    });
    child.kill('SIGINT');
    const run = await done;
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/interrupted; nothing was written/);
    const left = await readdir(dir);
    expect(left.filter((f) => f.startsWith('int.') || f.includes('.tmp'))).toEqual([]);
  });
});
