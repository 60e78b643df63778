import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseNpy, readNpy } from '../src/data/index.js';
import { InvalidArgumentError, InvalidDataError } from '../src/core/errors.js';

const SMAP_MSL = '../shared/datasets/smap_msl';

/** Writes a .npy file by the format spec: magic, version, header length, padded dict, data. */
function npy(
  descr: string,
  shape: number[],
  data: Uint8Array,
  options: { version?: 1 | 2 | 3; fortran?: boolean } = {},
): Uint8Array {
  const version = options.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefix = 6 + 2 + (version === 1 ? 2 : 4);
  while ((prefix + dict.length + 1) % 64 !== 0) dict += ' ';
  dict += '\n';
  const header = Buffer.alloc(prefix);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(header);
  if (version === 1) header.writeUInt16LE(dict.length, 8);
  else header.writeUInt32LE(dict.length, 8);
  return Buffer.concat([header, Buffer.from(dict, 'latin1'), data]);
}

function f64(values: number[], littleEndian = true): Uint8Array {
  const out = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => (littleEndian ? out.writeDoubleLE(v, i * 8) : out.writeDoubleBE(v, i * 8)));
  return out;
}

describe('readNpy on NASA MSL data', () => {
  it('reads test/C-1.npy.gz with the shape the label table gives and the values numpy reads', async () => {
    const series = await readNpy(`${SMAP_MSL}/test/C-1.npy.gz`);
    // labeled_anomalies.csv: C-1, MSL, num_values 2264; MSL arrays have 55 dims.
    const labels = readFileSync(`${SMAP_MSL}/labeled_anomalies.csv`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('C-1,'))!;
    expect(series.rows).toBe(Number(labels.split(',').at(-1)));
    expect(series.rows).toBe(2264);
    expect(series.columns).toBe(55);
    // Reference values from numpy.load of the same file.
    expect(series.values[0]).toBe(Math.fround(-0.9469578783151326));
    expect(series.values[100 * 55]).toBe(Math.fround(-0.9968798751950078));
    expect(series.values[2263 * 55]).toBe(Math.fround(-0.9048361934477379));
    let sum = 0;
    let nonZeroFlags = 0;
    for (let r = 0; r < series.rows; r++) {
      sum += series.values[r * 55]!;
      for (let c = 1; c < 55; c++) if (series.values[r * 55 + c] !== 0) nonZeroFlags++;
    }
    expect(sum).toBeCloseTo(-1350.4617703319527, 6);
    expect(nonZeroFlags).toBe(575);
  });

  it('reads SMAP train/A-1.npy.gz with custom column names', async () => {
    const names = ['value', ...Array.from({ length: 24 }, (_, i) => `command_${i}`)];
    const series = await readNpy(`${SMAP_MSL}/train/A-1.npy.gz`, { columnNames: names });
    expect(series.rows).toBe(2880);
    expect(series.columnNames[0]).toBe('value');
    expect(series.values[0]).toBe(Math.fround(0.999));
  });
});

describe('parseNpy', () => {
  it('reads format versions 1, 2 and 3, gzip or not', () => {
    const data = f64([1, 2, 3, 4, 5, 6]);
    for (const version of [1, 2, 3] as const) {
      const s = parseNpy(npy('<f8', [3, 2], data, { version }));
      expect([s.rows, s.columns]).toEqual([3, 2]);
      expect(Array.from(s.values)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect(Array.from(parseNpy(gzipSync(npy('<f8', [3, 2], data))).values)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads <f4, big-endian >f8, integers, 1-D arrays and Fortran order', () => {
    const f4 = Buffer.alloc(8);
    f4.writeFloatLE(1.5, 0);
    f4.writeFloatLE(-2.25, 4);
    expect(Array.from(parseNpy(npy('<f4', [2], f4)).values)).toEqual([1.5, -2.25]);
    expect(Array.from(parseNpy(npy('>f8', [2, 1], f64([0.5, 7], false))).values)).toEqual([0.5, 7]);
    const i4 = Buffer.alloc(12);
    [-1, 0, 70000].forEach((v, i) => i4.writeInt32LE(v, i * 4));
    const ints = parseNpy(npy('<i4', [3], i4));
    expect([ints.rows, ints.columns]).toEqual([3, 1]);
    expect(Array.from(ints.values)).toEqual([-1, 0, 70000]);
    // Fortran order stores [[1, 2, 3], [4, 5, 6]] column by column: 1 4 2 5 3 6.
    const fortran = parseNpy(npy('<f8', [2, 3], f64([1, 4, 2, 5, 3, 6]), { fortran: true }));
    expect(Array.from(fortran.values)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads the same values from an unaligned buffer (element-wise path) as from an aligned one', () => {
    const file = npy('<f8', [2, 2], f64([0.1, -2, 1e-3, 3e5]));
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    const expected = [0.1, -2, 1e-3, 3e5].map(Math.fround);
    expect(Array.from(parseNpy(shifted.subarray(1)).values)).toEqual(expected);
    expect(Array.from(parseNpy(file).values)).toEqual(expected);
    expect(() => parseNpy(npy('<f8', [1], f64([1e39])))).toThrow(/beyond-float32/);
  });

  it('keeps NaN as missing and rejects infinities unless asked', () => {
    const withNaN = parseNpy(npy('<f8', [3], f64([1, NaN, 3])));
    expect(withNaN.countMissing()).toBe(1);
    expect(() => parseNpy(npy('<f8', [2], f64([1, Infinity])))).toThrow(
      /infinite or beyond-float32 value in column 0 at row 1/,
    );
    expect(parseNpy(npy('<f8', [2], f64([1, -Infinity])), { nonFinite: 'missing' }).countMissing()).toBe(1);
  });

  it('refuses foreign, truncated and unsupported files with clear errors', () => {
    expect(() => parseNpy(Buffer.from('timestamp,value\n'))).toThrow(/not a NumPy .npy file/);
    expect(() => parseNpy(npy('<f8', [3, 2], f64([1, 2, 3])))).toThrow(
      /truncated: shape \(3, 2\) needs 48 data bytes, found 24/,
    );
    expect(() => parseNpy(npy('<f8', [2, 2, 2], f64([1, 2, 3, 4, 5, 6, 7, 8])))).toThrow(/3-D array/);
    expect(() => parseNpy(npy('|O', [1], Buffer.alloc(8)))).toThrow(/dtype "\|O"/);
    expect(() => parseNpy(npy('<c16', [1], Buffer.alloc(16)))).toThrow(InvalidDataError);
    expect(() => parseNpy(npy('<f8', [2], f64([1, 2])).subarray(0, 20))).toThrow(/truncated inside its header/);
    expect(() => parseNpy(npy('<f8', [2, 2], f64([1, 2, 3, 4])), { columnNames: ['only-one'] })).toThrow(
      InvalidArgumentError,
    );
    expect(() => parseNpy('x' as never)).toThrow(InvalidArgumentError);
  });
});
