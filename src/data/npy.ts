import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gunzipSync } from 'node:zlib';
import { InvalidArgumentError, InvalidDataError } from '../core/errors.js';
import { checkOneOf, describeValue } from '../core/argument-checks.js';
import type { NonFinitePolicy } from './time-series.js';
import { NON_FINITE_POLICIES, TimeSeries } from './time-series.js';

/**
 * NumPy `.npy` files (format versions 1, 2 and 3), plain or gzip-compressed, holding a 1-D
 * array (one column) or a 2-D array (rows x columns) of floats, integers or booleans in either
 * byte order and C or Fortran order. Values become float32; NaN cells are missing values.
 */

const gunzip = promisify(gunzipCallback);
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyOptions {
  /** Names for the columns; default column_0, column_1, ... */
  columnNames?: readonly string[];
  /** +/-Infinity cells: 'error' (default) or 'missing'. */
  nonFinite?: NonFinitePolicy;
}

type Reader = (view: DataView, offset: number, littleEndian: boolean) => number;

const READERS: Record<string, { size: number; read: Reader }> = {
  f4: { size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, read: (v, o, le) => v.getFloat64(o, le) },
  i1: { size: 1, read: (v, o) => v.getInt8(o) },
  u1: { size: 1, read: (v, o) => v.getUint8(o) },
  b1: { size: 1, read: (v, o) => v.getUint8(o) },
  i2: { size: 2, read: (v, o, le) => v.getInt16(o, le) },
  u2: { size: 2, read: (v, o, le) => v.getUint16(o, le) },
  i4: { size: 4, read: (v, o, le) => v.getInt32(o, le) },
  u4: { size: 4, read: (v, o, le) => v.getUint32(o, le) },
  i8: { size: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  u8: { size: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
};

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function readHeader(bytes: Uint8Array, source: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new InvalidDataError(`${source} is not a NumPy .npy file (it does not start with \\x93NUMPY)`);
  }
  const major = bytes[6]!;
  if (major < 1 || major > 3)
    throw new InvalidDataError(`${source} uses .npy format version ${major}, expected 1, 2 or 3`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new InvalidDataError(`${source} is truncated inside its header`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes;
  if (bytes.length < start + headerLength) throw new InvalidDataError(`${source} is truncated inside its header`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, headerLength).toString(
    major === 3 ? 'utf8' : 'latin1',
  );
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new InvalidDataError(`${source} has a malformed .npy header: ${JSON.stringify(text.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new InvalidDataError(`${source} has a malformed shape (${shapeText}) in its .npy header`);
  }
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLength };
}

/**
 * Parses the bytes of a `.npy` (or gzip-compressed `.npy.gz`) file. Synchronous; readNpy does
 * the same from a path without blocking on the file read or decompression.
 */
export function parseNpy(bytes: Uint8Array, options: NpyOptions = {}, source = 'the input'): TimeSeries {
  if (!(bytes instanceof Uint8Array))
    throw new InvalidArgumentError(`bytes must be a Uint8Array or Buffer, got ${describeValue(bytes)}`);
  const nonFinite = checkOneOf('options.nonFinite', options.nonFinite ?? 'error', NON_FINITE_POLICIES);
  const raw = isGzip(bytes) ? gunzipSync(bytes) : bytes;
  const header = readHeader(raw, source);
  const order = header.descr[0];
  const reader = READERS[header.descr.slice(1)];
  if (reader === undefined || (order !== '<' && order !== '>' && order !== '|' && order !== '=')) {
    throw new InvalidDataError(
      `${source} holds dtype ${JSON.stringify(header.descr)}; expected a numeric dtype such as '<f8', '<f4' or '<i4'`,
    );
  }
  if (header.shape.length < 1 || header.shape.length > 2) {
    throw new InvalidDataError(
      `${source} holds a ${header.shape.length}-D array of shape (${header.shape.join(', ')}); expected 1-D or 2-D (rows x columns)`,
    );
  }
  const rows = header.shape[0]!;
  const columns = header.shape.length === 2 ? header.shape[1]! : 1;
  if (columns === 0) throw new InvalidDataError(`${source} holds an array with 0 columns`);
  const count = rows * columns;
  const available = raw.length - header.dataOffset;
  if (available < count * reader.size) {
    throw new InvalidDataError(
      `${source} is truncated: shape (${header.shape.join(', ')}) needs ${count * reader.size} data bytes, found ${available}`,
    );
  }
  let columnNames: readonly string[];
  if (options.columnNames !== undefined) {
    if (!Array.isArray(options.columnNames) || options.columnNames.length !== columns) {
      throw new InvalidArgumentError(
        `options.columnNames must be an array of ${columns} names (one per column), got ${describeValue(options.columnNames)}`,
      );
    }
    columnNames = options.columnNames;
  } else {
    columnNames = Array.from({ length: columns }, (_, i) => `column_${i}`);
  }
  // '=' is native order; every platform Node supports for this library is little-endian.
  const littleEndian = order !== '>';
  const dataStart = raw.byteOffset + header.dataOffset;
  const values = new Float32Array(count);
  const kind = header.descr.slice(1);
  if (littleEndian && !header.fortranOrder && (kind === 'f8' || kind === 'f4') && dataStart % reader.size === 0) {
    // Aligned little-endian floats: let the typed-array conversion do the work.
    values.set(
      kind === 'f8' ? new Float64Array(raw.buffer, dataStart, count) : new Float32Array(raw.buffer, dataStart, count),
    );
  } else {
    const view = new DataView(raw.buffer, dataStart, count * reader.size);
    for (let i = 0; i < count; i++) {
      // Fortran order stores column after column; the series is row-major.
      const target = header.fortranOrder ? (i % rows) * columns + Math.floor(i / rows) : i;
      values[target] = reader.read(view, i * reader.size, littleEndian);
    }
  }
  for (let i = 0; i < count; i++) {
    const value = values[i]!;
    if (value === Infinity || value === -Infinity) {
      if (nonFinite === 'missing') {
        values[i] = NaN;
      } else {
        throw new InvalidDataError(
          `${source} has an infinite or beyond-float32 value in column ${i % columns} at row ${Math.floor(i / columns)}; ` +
            `pass { nonFinite: 'missing' } to treat such values as missing`,
        );
      }
    }
  }
  return new TimeSeries({ values, columnNames });
}

/** Reads a `.npy` or `.npy.gz` file (gzip is recognised by its magic bytes) into a TimeSeries. */
export async function readNpy(path: string, options: NpyOptions = {}): Promise<TimeSeries> {
  if (typeof path !== 'string' || path.length === 0)
    throw new InvalidArgumentError(`path must be a non-empty string, got ${describeValue(path)}`);
  const file = await readFile(path);
  let bytes: Uint8Array = file;
  if (isGzip(file)) {
    try {
      bytes = await gunzip(file);
    } catch (error) {
      throw new InvalidDataError(`"${path}" is not a valid gzip file: ${(error as Error).message}`);
    }
  }
  return parseNpy(bytes, options, `"${path}"`);
}
