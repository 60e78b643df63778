import { access, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST, rowTime, runCli, writeSeriesCsv, type CliRun } from './cli-helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rnnad-cli-errors-'));
  await writeSeriesCsv(join(dir, 'data.csv'));
  await writeSeriesCsv(join(dir, 'other-column.csv'), 600, 'temperature');
  await writeFile(
    join(dir, 'text.csv'),
    'timestamp,site,status\n2020-01-01 00:00,north,ok\n2020-01-01 00:05,south,ok\n',
  );
  const run = await runCli(['train', 'data.csv', '--model', 'value.rnnad', ...FAST, '-q'], dir);
  expect(run.code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Exit 1, one line on stderr naming the problem, no stack trace, nothing on stdout. */
function expectFailure(run: CliRun, pattern: RegExp): void {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

async function exists(name: string): Promise<boolean> {
  return access(join(dir, name)).then(
    () => true,
    () => false,
  );
}

describe('CLI failures', () => {
  it('names a missing data file', async () => {
    const run = await runCli(['run', 'nope.csv', '-q', '--out', 'a.json'], dir);
    expectFailure(run, /^rnn-anomaly run: cannot open nope\.csv: no such file or directory$/);
    expect(await exists('a.json')).toBe(false);
  });

  it('refuses a CSV without a numeric column', async () => {
    const run = await runCli(['run', 'text.csv', '-q'], dir);
    expectFailure(run, /column "site" has a non-numeric value "north" at row 0 \(line 2\); .*--columns.*--ignore-text/);
    const skipped = await runCli(['run', 'text.csv', '-q', '--ignore-text'], dir);
    expectFailure(skipped, /no numeric columns \(columns: "timestamp", "site", "status"\)/);
  });

  it('refuses a model trained on other columns', async () => {
    const run = await runCli(['detect', 'other-column.csv', '--model', 'value.rnnad', '--out', 'b.csv', '-q'], dir);
    expectFailure(run, /other-column\.csv has columns \[temperature\] but value\.rnnad was trained on \[value\]/);
    expect(await exists('b.csv')).toBe(false);
  });

  it('refuses labels that do not belong to the data, before training', async () => {
    await writeFile(join(dir, 'late.json'), JSON.stringify([['2031-01-01 00:00:00', '2031-01-02 00:00:00']]));
    const run = await runCli(['run', 'data.csv', '--labels', 'late.json', '--report', 'c.html', '-q', ...FAST], dir);
    expectFailure(run, /labels file late\.json window 1 .* covers no row of data\.csv/);
    expect(await exists('c.html')).toBe(false);

    await writeFile(join(dir, 'rows.json'), JSON.stringify([[100, 5000]]));
    const rows = await runCli(['run', 'data.csv', '--labels', 'rows.json', '-q', ...FAST], dir);
    expectFailure(rows, /window 1 \[100, 5000\] reaches past the last row of data\.csv \(1199\)/);

    await writeFile(join(dir, 'nab.json'), JSON.stringify({ 'realKnownCause/other.csv': [[rowTime(1), rowTime(2)]] }));
    const nab = await runCli(['run', 'data.csv', '--labels', 'nab.json', '-q', ...FAST], dir);
    expectFailure(nab, /labels file nab\.json has no entry for data\.csv/);
  });

  it('refuses a file that is not a model', async () => {
    await writeFile(join(dir, 'fake.rnnad'), 'timestamp,value\n');
    const run = await runCli(['info', 'fake.rnnad'], dir);
    expectFailure(run, /fake\.rnnad is not an rnn-anomaly model file/);
  });

  it('prints the stack trace with --verbose', async () => {
    const run = await runCli(['info', 'fake.rnnad', '--verbose'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\n\s+at /);
  });

  it('leaves no temporary files behind', async () => {
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe.concurrent('CLI usage errors exit with 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /^Usage: rnn-anomaly <command>/],
    ['an unknown command', ['fit', 'data.csv'], /unknown command "fit"/],
    [
      'an unknown flag',
      ['run', 'data.csv', '--epoch', '3'],
      /unknown option --epoch for "run" \(did you mean --epochs\?\)/,
    ],
    ['a missing file argument', ['run'], /"run" needs <data\.csv>/],
    [
      'a non-numeric value',
      ['run', 'data.csv', '--epochs', 'many'],
      /--epochs expects a number or one of auto, got "many"/,
    ],
    ['a value the library refuses', ['run', 'data.csv', '--hidden', '0'], /--hidden must be an integer in \[1, 4096\]/],
    [
      'options that exclude each other',
      ['run', 'data.csv', '--momentum', '0.5'],
      /--momentum applies to optimizer 'sgd' only/,
    ],
    ['a bad threshold', ['run', 'data.csv', '--threshold', 'pot:q=2'], /--threshold/],
    ['an unknown output format', ['run', 'data.csv', '--out', 'result.txt'], /--out must name a \.json or \.csv file/],
    ['detect without a model', ['detect', 'data.csv'], /"detect" needs --model/],
  ];
  for (const [what, args, pattern] of cases) {
    it(`on ${what}`, async () => {
      const run = await runCli(args, dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(pattern);
      expect(run.stdout).toBe('');
    });
  }

  it('prints help on stdout with exit 0', async () => {
    const run = await runCli(['detect', '--help'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: rnn-anomaly detect <data\.csv> \[options\]/);
    expect(run.stdout).toContain('--model <model.rnnad>');
  });
});
