import { describe, expect, it } from 'vitest';
import { parseLabels } from '../src/cli/labels.js';
import { InvalidDataError } from '../src/core/errors.js';

// Ten rows five minutes apart from 2014-02-07 14:30 UTC, with 14:50 repeated (a DST-like step back).
const T0 = Date.UTC(2014, 1, 7, 14, 30);
const times = [0, 5, 10, 15, 20, 25, 30, 20, 35, 40].map((m) => T0 + m * 60_000);
const data = { rows: times.length, timestamps: times };

function parse(value: unknown, dataPath = 'data/machine.csv', target: { rows: number; timestamps?: number[] } = data) {
  return parseLabels(JSON.stringify(value), target, 'labels.json', dataPath);
}

describe('labels files', () => {
  it('maps time windows to the rows inside them, inclusive', () => {
    expect(parse([['2014-02-07 14:35:00.000000', '2014-02-07 14:45:00.000000']])).toEqual([{ start: 1, end: 3 }]);
    // Edges between samples: from the first row at or after the start to the last row before the end.
    expect(parse([['2014-02-07 14:33', '2014-02-07 14:47']])).toEqual([{ start: 1, end: 3 }]);
  });

  it('ends a window at the first row past it even when a timestamp repeats later', () => {
    expect(parse([['2014-02-07 14:50', '2014-02-07 14:55']])).toEqual([{ start: 4, end: 5 }]);
  });

  it('takes row ranges as they are and sorts windows', () => {
    expect(
      parse([
        [7, 9],
        [0, 2],
      ]),
    ).toEqual([
      { start: 0, end: 2 },
      { start: 7, end: 9 },
    ]);
  });

  it("picks the data file's entry from NAB's combined windows", () => {
    const nab = {
      'realKnownCause/nyc_taxi.csv': [['2014-02-07 14:30', '2014-02-07 14:35']],
      'realKnownCause/machine.csv': [['2014-02-07 14:40', '2014-02-07 14:45']],
    };
    expect(parse(nab)).toEqual([{ start: 2, end: 3 }]);
  });

  const failures: [string, unknown, RegExp, { rows: number; timestamps?: number[] }?][] = [
    ['invalid JSON', undefined, /is not valid JSON/],
    [
      'a window outside the data',
      [['2015-01-01 00:00', '2015-01-02 00:00']],
      /window 1 .* covers no row of machine\.csv; do the labels belong to this file\?/,
    ],
    ['rows past the end', [[5, 10]], /window 1 \[5, 10\] reaches past the last row of machine\.csv \(9\)/],
    ['a reversed window', [['2014-02-07 14:45', '2014-02-07 14:35']], /window 1 ends before it starts/],
    ['an unreadable timestamp', [['07/02/2014', '2014-02-07 14:35']], /cannot be read/],
    ['mixed pair types', [[1, '2014-02-07 14:35']], /must be two timestamps or two row indices/],
    ['a single value', [[3]], /window 1 must be a \[start, end\] pair/],
    ['negative rows', [[-1, 2]], /0 <= start <= end/],
    ['a map without this file', { 'other/file.csv': [] }, /has no entry for machine\.csv/],
    ['a bare number', 42, /must hold a list of \[start, end\] pairs/],
    [
      'time windows for data without timestamps',
      [['2014-02-07 14:35', '2014-02-07 14:45']],
      /has no timestamp column; give row ranges/,
      { rows: 10 },
    ],
  ];
  for (const [what, value, pattern, target] of failures) {
    it(`refuses ${what}`, () => {
      const call = () =>
        value === undefined
          ? parseLabels('[[1, 2]', data, 'labels.json', 'data/machine.csv')
          : parse(value, 'data/machine.csv', target ?? data);
      expect(call).toThrow(InvalidDataError);
      expect(call).toThrow(pattern);
    });
  }
});
