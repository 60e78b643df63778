import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import { InvalidArgumentError, ModelFileError } from '../src/core/errors.js';
import { crc32 } from '../src/core/crc32.js';
import { twoColumnRows } from './helpers/two-column-series.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnad-detector-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = twoColumnRows;

const quick = { hidden: 8, window: 25, epochs: 3, windowsPerEpoch: 512, learningRate: 0.01, seed: 4 } as const;

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

async function expectSameDetection(a: Detector, b: Detector, series: number[][]): Promise<void> {
  const ra = await a.detect(series);
  const rb = await b.detect(series);
  expect(bytesOf(rb.scores)).toEqual(bytesOf(ra.scores));
  expect(Array.from(rb.flags)).toEqual(Array.from(ra.flags));
  expect(bytesOf(rb.featureScores)).toEqual(bytesOf(ra.featureScores));
  if (typeof ra.threshold === 'number') expect(rb.threshold).toBe(ra.threshold);
  else expect(bytesOf(rb.threshold as Float32Array)).toEqual(bytesOf(ra.threshold));
  expect(rb.events).toEqual(ra.events);
}

describe('Detector save / load', () => {
  const configurations = [
    { name: 'gru forecast, pot', options: { ...quick } },
    {
      name: 'lstm reconstruct, loglik, spot',
      options: { ...quick, cell: 'lstm', mode: 'reconstruct', score: 'loglik', threshold: { method: 'spot' } },
    },
    {
      name: 'rnn relu, targets, robust scaler, dynamic',
      options: {
        ...quick,
        cell: 'rnn',
        nonlinearity: 'relu',
        targets: ['c1'],
        scaler: 'robust',
        threshold: { method: 'dynamic', window: 100, batch: 20 },
      },
    },
  ] as const;

  for (const c of configurations) {
    it(`scores bit for bit as before saving (${c.name})`, async () => {
      const detector = new Detector(c.options);
      await detector.fit(rows(700));
      const path = join(dir, `${c.name.replace(/[^a-z]+/g, '-')}.rnnad`);
      await detector.save(path);
      const loaded = await Detector.load(path);
      expect(loaded.options).toEqual(detector.options);
      expect(loaded.config).toEqual(detector.config);
      expect(loaded.columnNames).toEqual(['c0', 'c1']);
      expect(loaded.summary.loss).toEqual(detector.summary.loss);
      expect(bytesOf(loaded.network.getFlatParameters())).toEqual(bytesOf(detector.network.getFlatParameters()));
      await expectSameDetection(detector, loaded, rows(200, 120));
      // A continuation scored with the stored training tail, and a stream, agree too.
      const tail = rows(760).slice(700);
      expect(bytesOf((await loaded.detect(tail, { context: 'training' })).scores)).toEqual(
        bytesOf((await detector.detect(tail, { context: 'training' })).scores),
      );
      const s1 = detector.stream().pushMany(rows(80, 60));
      const s2 = loaded.stream().pushMany(rows(80, 60));
      expect(bytesOf(s2.scores)).toEqual(bytesOf(s1.scores));
    });
  }

  it('round-trips through toBuffer / fromBuffer and records the format in the header', async () => {
    const detector = new Detector(quick);
    await detector.fit(rows(600));
    const bytes = detector.toBuffer();
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe('RNNAD');
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)));
    expect(header.payload.format).toBe('rnn-anomaly/detector');
    expect(header.payload.library).toBe(
      JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version,
    );
    expect(header.payload.columnNames).toEqual(['c0', 'c1']);
    expect(header.payload.config.window).toBe(25);
    expect(header.tensors.map((t: { name: string }) => t.name)).toEqual(['parameters', 'context']);
    expect(header.tensors[0].length).toBe(detector.network.paramCount);
    expect(header.tensors[1].length).toBe(25 * 2);
    await expectSameDetection(detector, Detector.fromBuffer(bytes), rows(150, 90));
  });

  it('replaces an existing file atomically and leaves no temporary file', async () => {
    const detector = new Detector(quick);
    await detector.fit(rows(600));
    const path = join(dir, 'replace.rnnad');
    writeFileSync(path, 'previous model');
    await detector.save(path);
    expect(readFileSync(path).subarray(0, 5).toString()).toBe('RNNAD');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    await expect(detector.save(join(dir, 'missing-dir', 'm.rnnad'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(join(dir, 'missing-dir'))).toBe(false);
  });
});

describe('Detector.load rejects bad files', () => {
  const ready = (async () => {
    const detector = new Detector(quick);
    await detector.fit(rows(600));
    return detector.toBuffer();
  })();

  function expectModelError(fn: () => unknown, code: string, message: RegExp): void {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
  }

  it('a truncated file', async () => {
    const bytes = await ready;
    const path = join(dir, 'truncated.rnnad');
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    await expect(Detector.load(path)).rejects.toMatchObject({
      code: 'ERR_MODEL_FILE',
      message: expect.stringMatching(/truncated\.rnnad is truncated/),
    });
    expectModelError(() => Detector.fromBuffer(bytes.subarray(0, 10)), 'ERR_MODEL_FILE', /truncated/);
  });

  it('a corrupted weight', async () => {
    const bytes = (await ready).slice();
    bytes[bytes.length - 50]! ^= 0x20;
    expectModelError(() => Detector.fromBuffer(bytes), 'ERR_MODEL_FILE', /corrupted: CRC-32 mismatch/);
  });

  it('a foreign file', async () => {
    const path = join(dir, 'data.csv');
    writeFileSync(path, 'timestamp,value\n2020-01-01,1\n');
    await expect(Detector.load(path)).rejects.toMatchObject({
      code: 'ERR_MODEL_FILE',
      message: expect.stringMatching(/not an rnn-anomaly model file/),
    });
    await expect(Detector.load(join(dir, 'does-not-exist.rnnad'))).rejects.toMatchObject({
      code: 'ERR_MODEL_FILE',
      cause: { code: 'ENOENT' },
    });
  });

  it('a newer format version', async () => {
    const bytes = (await ready).slice();
    const view = new DataView(bytes.buffer);
    view.setUint32(8, 2, true);
    view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    expectModelError(
      () => Detector.fromBuffer(bytes),
      'ERR_MODEL_VERSION',
      /format version 2, newer than the version 1/,
    );
  });

  it('a valid file whose payload is not a detector or is inconsistent', async () => {
    const bytes = await ready;
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)));
    const rebuild = (mutate: (h: { payload: Record<string, unknown> }) => void): Uint8Array => {
      const h = structuredClone(header);
      mutate(h);
      let text = JSON.stringify(h);
      text += ' '.repeat((4 - (text.length % 4)) % 4);
      const head = new TextEncoder().encode(text);
      const tensors = bytes.subarray(16 + headerLength, bytes.length - 4);
      const out = new Uint8Array(16 + head.length + tensors.length + 4);
      out.set(bytes.subarray(0, 16));
      new DataView(out.buffer).setUint32(12, head.length, true);
      out.set(head, 16);
      out.set(tensors, 16 + head.length);
      new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
      return out;
    };
    expect(() => Detector.fromBuffer(rebuild(() => undefined))).not.toThrow();
    expectModelError(
      () => Detector.fromBuffer(rebuild((h) => (h.payload.format = 'something-else'))),
      'ERR_MODEL_FILE',
      /not a detector/,
    );
    expectModelError(
      () => Detector.fromBuffer(rebuild((h) => (h.payload.columnNames = ['only-one']))),
      'ERR_MODEL_FILE',
      /invalid (feature list|network)/,
    );
    expectModelError(
      () => Detector.fromBuffer(rebuild((h) => ((h.payload.scaler as { scale: number[] }).scale = [1, -1]))),
      'ERR_MODEL_FILE',
      /invalid scaler/,
    );
    expectModelError(
      () => Detector.fromBuffer(rebuild((h) => (h.payload.threshold = { format: 'x' }))),
      'ERR_MODEL_FILE',
      /invalid threshold state/,
    );
  });

  it('arguments of the wrong type', async () => {
    await expect(Detector.load(42 as unknown as string)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => Detector.fromBuffer('abc' as unknown as Uint8Array)).toThrow(InvalidArgumentError);
    await expect(new Detector().save(join(dir, 'x.rnnad'))).rejects.toMatchObject({ code: 'ERR_NOT_FITTED' });
  });
});
