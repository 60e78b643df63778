import { describe, expect, it } from 'vitest';
import { flag, formatHelp, parseCommandLine, type CommandSpec } from '../src/cli/args.js';
import { defaultTrainRows } from '../src/cli/commands/run.js';
import { detectorOptionsFrom } from '../src/cli/detector-flags.js';
import { ProgressReporter, formatDuration } from '../src/cli/progress.js';
import { parseThresholdFlag } from '../src/cli/threshold-flag.js';
import { UsageError } from '../src/cli/usage-error.js';

const flags = {
  epochs: flag.numberOr(['auto'] as const, { description: 'epochs', integer: true, min: 1 }),
  rate: flag.number({ description: 'rate', min: 0, max: 1, exclusiveMin: true }),
  cell: flag.choice(['rnn', 'gru', 'lstm'] as const, { description: 'cell' }),
  columns: flag.list({ description: 'columns' }),
  quiet: flag.switch({ description: 'quiet', short: 'q' }),
  out: flag.string({ description: 'out' }),
};
const spec: CommandSpec<typeof flags> = {
  name: 'demo',
  summary: 'A demo command.',
  positionals: [
    { name: 'data.csv', description: 'input' },
    { name: 'extra', description: 'optional', optional: true },
  ],
  flags,
};

function usageError(args: string[]): UsageError {
  try {
    parseCommandLine(spec, args);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error(`expected a usage error for ${args.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('returns typed values for every flag form', () => {
    const parsed = parseCommandLine(spec, [
      'a.csv',
      '--epochs',
      '12',
      '--rate=0.5',
      '--cell',
      'lstm',
      '--columns',
      'x, y',
      '-q',
      '--out',
      '-',
    ]);
    expect(parsed.positionals).toEqual(['a.csv']);
    expect(parsed.flags).toEqual({ epochs: 12, rate: 0.5, cell: 'lstm', columns: ['x', 'y'], quiet: true, out: '-' });
    expect(parseCommandLine(spec, ['a.csv', '--epochs', 'auto']).flags.epochs).toBe('auto');
  });

  it('treats everything after -- as file names', () => {
    expect(parseCommandLine(spec, ['--', '--odd-name.csv']).positionals).toEqual(['--odd-name.csv']);
  });

  it('accepts a negative number as a value', () => {
    const negative = { shift: flag.number({ description: 'shift' }) };
    const negativeSpec: CommandSpec<typeof negative> = {
      name: 'demo',
      summary: '',
      positionals: spec.positionals,
      flags: negative,
    };
    expect(parseCommandLine(negativeSpec, ['a.csv', '--shift', '-3']).flags.shift).toBe(-3);
  });

  it('refuses malformed command lines with messages naming the flag', () => {
    expect(usageError(['a.csv', '--epoch', '3']).message).toBe(
      'unknown option --epoch for "demo" (did you mean --epochs?)',
    );
    expect(usageError(['a.csv', '--epochs', '2.5']).message).toBe(
      '--epochs expects an integer or one of auto, got "2.5"',
    );
    expect(usageError(['a.csv', '--epochs', '0']).message).toMatch(/--epochs expects an integer >= 1 or one of auto/);
    expect(usageError(['a.csv', '--rate', '0']).message).toBe('--rate expects a number > 0 and <= 1, got 0');
    expect(usageError(['a.csv', '--rate', '1e']).message).toBe('--rate expects a number, got "1e"');
    expect(usageError(['a.csv', '--cell', 'transformer']).message).toBe(
      '--cell expects one of rnn, gru, lstm, got "transformer"',
    );
    expect(usageError(['a.csv', '--columns', 'a,,b']).message).toMatch(/without empty items/);
    expect(usageError(['a.csv', '--quiet=yes']).message).toBe('--quiet is a switch and takes no value');
    expect(usageError(['a.csv', '--out']).message).toBe('--out expects a value <text>');
    expect(usageError(['a.csv', '--cell', 'gru', '--cell', 'rnn']).message).toBe('--cell was given more than once');
    expect(usageError([]).message).toBe('"demo" needs <data.csv>');
    expect(usageError(['a', 'b', 'c']).message).toMatch(/takes 2 file argument\(s\), got 3/);
  });

  it('skips argument checks when help is asked for', () => {
    expect(parseCommandLine(spec, ['--help']).help).toBe(true);
  });

  it('lists every flag in the help text', () => {
    const help = formatHelp(spec, 'rnn-anomaly');
    expect(help.startsWith('Usage: rnn-anomaly demo <data.csv> [extra] [options]\n')).toBe(true);
    for (const name of [
      '--epochs <n|auto>',
      '--rate <x>',
      '--cell <rnn|gru|lstm>',
      '--columns <a,b,...>',
      '-q, --quiet',
      '--out <text>',
    ]) {
      expect(help).toContain(name);
    }
  });
});

describe('--threshold', () => {
  it('reads a method with parameters and fills the defaults', () => {
    expect(parseThresholdFlag('ksigma:k=4', '--threshold')).toEqual({ method: 'ksigma', k: 4 });
    expect(parseThresholdFlag('pot', '--threshold')).toEqual({ method: 'pot', q: 1e-3, level: 0.98 });
    expect(parseThresholdFlag('spot:max-peaks=50,depth=10', '--threshold')).toMatchObject({
      method: 'spot',
      maxPeaks: 50,
      depth: 10,
    });
    expect(parseThresholdFlag('dynamic:inverse=true', '--threshold')).toMatchObject({
      method: 'dynamic',
      inverse: true,
    });
  });

  it('refuses what the library refuses, as usage errors', () => {
    expect(() => parseThresholdFlag('pot:q=2', '--threshold')).toThrow(UsageError);
    expect(() => parseThresholdFlag('median', '--threshold')).toThrow(/--threshold\.method must be one of/);
    expect(() => parseThresholdFlag('pot:q', '--threshold')).toThrow(/key=value/);
    expect(() => parseThresholdFlag('ksigma:k=abc', '--threshold')).toThrow(/k expects a number or true\/false/);
  });
});

describe('detector options from flags', () => {
  it('maps flags to the library options', () => {
    const options = detectorOptionsFrom(
      {
        cell: 'lstm',
        hidden: 16,
        resetBefore: true,
        targets: ['cpu', '2'],
        epochs: 'auto',
        seed: 9,
        threshold: { method: 'ksigma', k: 5 },
      },
      'run',
    );
    expect(options).toEqual({
      cell: 'lstm',
      hidden: 16,
      resetAfter: false,
      targets: ['cpu', 2],
      epochs: 'auto',
      seed: 9,
      threshold: { method: 'ksigma', k: 5 },
    });
  });

  it('words library validation errors with flag names', () => {
    expect(() => detectorOptionsFrom({ validationSplit: 0.95 }, 'run')).toThrow(
      /--validation-split must be a number in \[0, 0\.9\]/,
    );
    expect(() => detectorOptionsFrom({ nonlinearity: 'relu' }, 'run')).toThrow(
      /--nonlinearity applies to cell 'rnn' only/,
    );
  });
});

describe('default training share', () => {
  it('uses 15% of long files and at least 2000 rows or half of short ones', () => {
    expect(defaultTrainRows(22_695)).toBe(3404);
    expect(defaultTrainRows(4032)).toBe(2000);
    expect(defaultTrainRows(1000)).toBe(500);
  });
});

describe('progress display', () => {
  function sink(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, sink: { isTTY, columns: 100, write: (text: string) => writes.push(text) } };
  }

  it('writes one plain line per epoch when stderr is not a terminal', () => {
    const { writes, sink: s } = sink(false);
    const progress = new ProgressReporter(s, 'lines');
    progress.epoch({ epoch: 3, maxEpochs: 10, loss: 0.5, validationLoss: 0.25, elapsedMs: 3000 });
    // 1 s per epoch so far, 7 epochs to go.
    expect(writes).toEqual(['epoch 3/10  loss 0.5000  val_loss 0.2500  elapsed 3.0s  left <= 7.0s\n']);
  });

  it('redraws one bar line on a terminal', () => {
    const { writes, sink: s } = sink(true);
    let now = 0;
    const progress = new ProgressReporter(s, 'bar', () => now);
    progress.epoch({ epoch: 5, maxEpochs: 10, loss: 0.1, elapsedMs: 5000, etaMs: 5000 });
    now = 10;
    progress.epoch({ epoch: 6, maxEpochs: 10, loss: 0.1, elapsedMs: 5010 });
    now = 500;
    progress.epoch({ epoch: 7, maxEpochs: 10, loss: 0.1, elapsedMs: 7000 });
    progress.note('done');
    expect(writes).toHaveLength(4);
    // The progress line starts with carriage return and ESC [2K (erase line).
    // eslint-disable-next-line no-control-regex -- the escape sequence is what is under test
    expect(writes[0]).toMatch(/^\r\x1b\[2Ktraining \[#+\.+\] epoch 5\/10 {2}loss 0\.1000 {2}5\.0s left$/);
    expect(writes[1]).toContain('epoch 7/10');
    expect(writes[2]).toBe('\r\x1b[2K');
    expect(writes[3]).toBe('done\n');
  });

  it('stays silent when quiet', () => {
    const { writes, sink: s } = sink(true);
    const progress = new ProgressReporter(s, 'quiet');
    progress.note('reading');
    progress.epoch({ epoch: 1, maxEpochs: 2, loss: 1, elapsedMs: 1 });
    progress.finish();
    expect(writes).toEqual([]);
  });

  it('formats durations', () => {
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3 * 3_600_000 + 60_000)).toBe('3h01m');
  });
});
