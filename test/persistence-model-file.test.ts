import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFileError } from '../src/core/errors.js';
import { writeFileAtomic } from '../src/persistence/atomic-write.js';
import { crc32 } from '../src/core/crc32.js';
import {
  MODEL_FILE_MAX_BYTES,
  MODEL_FILE_VERSION,
  decodeModelFile,
  encodeModelFile,
} from '../src/persistence/model-file.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnad-model-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crc32', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('is 0 for no bytes and continues across chunks', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    const bytes = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');
    expect(crc32(bytes)).toBe(0x414fa339);
    expect(crc32(bytes.subarray(10), crc32(bytes.subarray(0, 10)))).toBe(0x414fa339);
  });

  it('agrees with zlib.crc32 on random bytes when Node provides it', () => {
    const reference = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
    const bytes = new Uint8Array(4097);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) & 0xff;
    if (reference) expect(crc32(bytes)).toBe(reference(bytes));
    // Without zlib.crc32 (Node < 20.15), flipping one bit must still change the checksum.
    const flipped = bytes.slice();
    flipped[2000]! ^= 0x10;
    expect(crc32(flipped)).not.toBe(crc32(bytes));
  });
});

function sample() {
  return {
    payload: { kind: 'test', columns: ['a', 'é'], nested: { x: 1.5 } },
    tensors: new Map<string, Float32Array>([
      ['weights', Float32Array.from([1, -2.5, Math.PI, 1e-30, -0, 3.4e38])],
      ['empty', new Float32Array(0)],
      ['bias', Float32Array.from([0.125])],
    ]),
  };
}

describe('model file encoding', () => {
  it('writes the documented layout', () => {
    const bytes = encodeModelFile(sample());
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x52, 0x4e, 0x4e, 0x41, 0x44, 0x00, 0x0d, 0x0a]);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint32(8, true)).toBe(MODEL_FILE_VERSION);
    const headerLength = view.getUint32(12, true);
    expect(headerLength % 4).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)));
    expect(header.tensors).toEqual([
      { name: 'weights', length: 6 },
      { name: 'empty', length: 0 },
      { name: 'bias', length: 1 },
    ]);
    expect(bytes.length).toBe(16 + headerLength + 7 * 4 + 4);
    // first tensor value, little-endian float32, right after the header
    expect(view.getFloat32(16 + headerLength, true)).toBe(1);
    expect(view.getFloat32(16 + headerLength + 4, true)).toBe(-2.5);
    expect(view.getUint32(bytes.length - 4, true)).toBe(crc32(bytes.subarray(0, bytes.length - 4)));
  });

  it('round-trips payload and tensors bit for bit', () => {
    const original = sample();
    const decoded = decodeModelFile(encodeModelFile(original));
    expect(decoded.payload).toEqual(original.payload);
    expect([...decoded.tensors.keys()]).toEqual(['weights', 'empty', 'bias']);
    for (const [name, data] of original.tensors) {
      const got = decoded.tensors.get(name)!;
      expect(new Uint8Array(got.buffer, got.byteOffset, got.byteLength)).toEqual(
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      );
    }
  });

  it('reads from a Buffer that is a view into a larger pool', () => {
    const bytes = encodeModelFile(sample());
    const pool = Buffer.alloc(bytes.length + 17);
    pool.set(bytes, 17);
    const decoded = decodeModelFile(pool.subarray(17));
    expect(decoded.tensors.get('bias')![0]).toBe(0.125);
  });

  it('refuses to encode a file larger than MODEL_FILE_MAX_BYTES, which load would refuse', () => {
    // Only the declared length is read before the size check, so no 2 GB array is needed.
    const oversized = { length: MODEL_FILE_MAX_BYTES / 4 } as unknown as Float32Array;
    expectModelError(
      () => encodeModelFile({ payload: {}, tensors: new Map([['weights', oversized]]) }),
      'ERR_MODEL_FILE',
      new RegExp(`more than the ${MODEL_FILE_MAX_BYTES} a model file may have`),
    );
  });
});

function expectModelError(fn: () => unknown, code: string, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as ModelFileError).code).toBe(code);
    expect((err as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a ModelFileError');
}

describe('model file decoding rejects bad input', () => {
  const good = encodeModelFile(sample());

  it('rejects a foreign file', () => {
    expectModelError(
      () => decodeModelFile(new TextEncoder().encode('timestamp,value\n1,2\n'), 'x.csv'),
      'ERR_MODEL_FILE',
      /x\.csv is not an rnn-anomaly model file/,
    );
    expectModelError(() => decodeModelFile(new Uint8Array(0)), 'ERR_MODEL_FILE', /not an rnn-anomaly model file/);
  });

  it('rejects every truncation', () => {
    for (const cut of [8, 12, 15, 16, 40, good.length - 5, good.length - 1]) {
      expect(() => decodeModelFile(good.subarray(0, cut))).toThrow(ModelFileError);
    }
    expectModelError(() => decodeModelFile(good.subarray(0, good.length - 3)), 'ERR_MODEL_FILE', /truncated/);
  });

  it('rejects a single flipped bit anywhere after the magic', () => {
    for (const position of [9, 13, 20, good.length - 20, good.length - 9, good.length - 2]) {
      const bad = good.slice();
      bad[position]! ^= 0x04;
      expect(() => decodeModelFile(bad), `flip at ${position}`).toThrow(ModelFileError);
    }
    const bad = good.slice();
    bad[good.length - 10]! ^= 0x01;
    expectModelError(() => decodeModelFile(bad), 'ERR_MODEL_FILE', /corrupted: CRC-32 mismatch/);
  });

  it('rejects a newer format version with ERR_MODEL_VERSION', () => {
    const newer = good.slice();
    new DataView(newer.buffer).setUint32(8, MODEL_FILE_VERSION + 1, true);
    expectModelError(
      () => decodeModelFile(newer, 'm.rnnad'),
      'ERR_MODEL_VERSION',
      new RegExp(`version ${MODEL_FILE_VERSION + 1}.*upgrade`),
    );
  });

  it('rejects a valid checksum over a broken header', () => {
    const text = new TextEncoder().encode('{"tensors": 5}  ');
    const bytes = new Uint8Array(16 + text.length + 4);
    bytes.set(good.subarray(0, 8));
    const view = new DataView(bytes.buffer);
    view.setUint32(8, 1, true);
    view.setUint32(12, text.length, true);
    bytes.set(text, 16);
    view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    expectModelError(() => decodeModelFile(bytes), 'ERR_MODEL_FILE', /no tensor table/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary file behind', async () => {
    const path = join(dir, 'model.rnnad');
    writeFileSync(path, 'old contents');
    await writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['model.rnnad']);
  });

  it('leaves the old file intact and cleans up when the target cannot be replaced', async () => {
    const target = join(dir, 'a-directory');
    rmSync(target, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(target, 'child'), { recursive: true });
    await expect(writeFileAtomic(target, Uint8Array.from([9]))).rejects.toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(target)).toEqual(['child']);
  });
});
