/**
 * Model files from untrusted sources: whatever a file declares, `load` ends quickly in a
 * ModelFileError or a valid model, in memory bounded by the file's size. Each case loads in a
 * child process under a time and resident-memory limit, so a regression fails instead of
 * hanging or exhausting the machine.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import { MODEL_FILE_MAX_BYTES } from '../src/persistence/model-file.js';
import { networkParameterCount } from '../src/persistence/detector-snapshot.js';
import { lastJsonLine, runTsChild } from './fuzz/child-process.js';
import { craftModelFile, craftOversizedNetwork, tinyModelFile } from './fuzz/model-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnad-untrusted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LOAD_CHILD = fileURLToPath(new URL('./fuzz/load-model-child.ts', import.meta.url));

interface LoadOutcome {
  loaded: boolean;
  code?: string;
  causeCode?: string;
  message?: string;
  elapsedMs: number;
  maxRssBytes: number;
}

/** Loads `path` in a child: 30 s and 1 GiB at most, where the defects took 40 s and 11 GB or forever. */
async function loadInChild(path: string, asNobody = false): Promise<LoadOutcome> {
  const outcome = await runTsChild(LOAD_CHILD, asNobody ? [path, 'as-nobody'] : [path], {
    timeoutMs: 30_000,
    maxRssBytes: 2 ** 30,
  });
  expect(outcome.killedFor, `killed for exceeding its ${outcome.killedFor} limit`).toBeNull();
  return lastJsonLine<LoadOutcome>(outcome);
}

function writeModel(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

let tiny: Uint8Array;
beforeAll(async () => {
  tiny = await tinyModelFile();
});

describe('load of a crafted model file', () => {
  it('rejects a 4 KB file declaring hidden 4096 x 4 layers before building the network', async () => {
    const crafted = craftOversizedNetwork(tiny, 4096, 4);
    expect(crafted.length).toBeLessThan(8192);
    const result = await loadInChild(writeModel('hidden-4096.rnnad', crafted));
    expect(result).toMatchObject({ loaded: false, code: 'ERR_MODEL_FILE' });
    expect(result.message).toMatch(
      /parameters tensor \(\d+ floats, the gru forecast 2 -> hidden 4096 x 4 -> 2 network needs \d+\)/,
    );
    expect(result.elapsedMs).toBeLessThan(2000);
    expect(result.maxRssBytes).toBeLessThan(400 * 2 ** 20);
  });

  it('rejects a window the Detector options do not allow (2^24), naming the allowed range', async () => {
    const crafted = craftModelFile(tiny, (p) => {
      p.config.window = 2 ** 24;
    });
    const result = await loadInChild(writeModel('window.rnnad', crafted));
    expect(result).toMatchObject({ loaded: false, code: 'ERR_MODEL_FILE' });
    expect(result.message).toMatch(
      /invalid configuration: options\.window must be an integer in \[2, 100000\], got 16777216/,
    );
  });

  it('rejects a configuration whose mode disagrees with the network', () => {
    const crafted = craftModelFile(tiny, (p) => {
      p.config.mode = 'reconstruct';
    });
    expect(() => Detector.fromBuffer(crafted)).toThrow(
      /invalid network \(mode is "forecast", the configuration and columns need "reconstruct"\)/,
    );
  });

  it('rejects configurations outside the Detector option rules and inconsistent sections', () => {
    const cases: [string, (p: Record<string, Record<string, unknown>>) => void, RegExp][] = [
      ['unknown cell', (p) => (p.config!.cell = 'transformer'), /options\.cell must be one of 'rnn', 'gru', 'lstm'/],
      ['hidden as text', (p) => (p.config!.hidden = 'auto'), /hidden must be a number, got "auto"/],
      ['missing field', (p) => delete p.config!.score, /score is missing, expected "absolute"/],
      ['unknown field', (p) => (p.config!.extra = 1), /options has an unknown key "extra"/],
      ['foreign field', (p) => (p.config!.nonlinearity = 'relu'), /nonlinearity is "relu", expected "tanh"/],
      [
        'threshold spec',
        (p) => (p.config!.threshold = { method: 'pot', q: 2 }),
        /invalid configuration: options\.threshold/,
      ],
      ['layers beyond 8', (p) => (p.config!.layers = 9), /options\.layers must be an integer in \[1, 8\]/],
      [
        'network cell',
        (p) => (p.network!.cell = 'lstm'),
        /invalid network \(cell is "lstm", the configuration and columns need "gru"\)/,
      ],
      ['output size', (p) => (p.network!.outputSize = 3), /invalid network \(outputSize is 3/],
      [
        'scaler kind',
        (p) => (p.config!.scaler = 'minmax'),
        /invalid scaler \(kind 'zscore', the configuration says 'minmax'\)/,
      ],
      [
        'threshold method',
        (p) => (p.config!.threshold = { method: 'ksigma', k: 3 }),
        /threshold state \(method 'pot', the configuration says 'ksigma'\)/,
      ],
      ['options', (p) => (p.options!.hidden = 0), /invalid options: options\.hidden must be an integer in \[1, 4096\]/],
      ['summary', (p) => (p.summary = null as unknown as Record<string, unknown>), /invalid training summary/],
    ];
    for (const [name, edit, message] of cases) {
      const crafted = craftModelFile(tiny, (p) => edit(p as unknown as Record<string, Record<string, unknown>>));
      expect(() => Detector.fromBuffer(crafted), name).toThrow(message);
    }
  });

  it('computes the parameter count the native network has', async () => {
    for (const options of [
      {},
      { cell: 'lstm', mode: 'reconstruct', layers: 2 },
      { cell: 'rnn', horizon: 3, targets: ['c1'] },
    ] as const) {
      const detector = Detector.fromBuffer(await tinyModelFile(options));
      expect(networkParameterCount(detector.network.spec)).toBe(detector.network.paramCount);
    }
  });
});

describe('load of something that is not a regular file', () => {
  it('rejects /dev/zero at once instead of reading it without end', async () => {
    const result = await loadInChild('/dev/zero');
    expect(result).toMatchObject({
      loaded: false,
      code: 'ERR_MODEL_FILE',
      message: 'cannot load /dev/zero: it is a device; a model file must be a regular file',
    });
    expect(result.elapsedMs).toBeLessThan(1000);
  });

  it('rejects a FIFO instead of waiting for a writer', async () => {
    const fifo = join(dir, 'model.fifo');
    execFileSync('mkfifo', [fifo]);
    const result = await loadInChild(fifo);
    expect(result).toMatchObject({
      loaded: false,
      code: 'ERR_MODEL_FILE',
      message: `cannot load ${fifo}: it is a FIFO; a model file must be a regular file`,
    });
  });

  it('rejects a directory, a missing file and an unreadable file with ModelFileError and the system error as cause', async () => {
    const directory = join(dir, 'a-directory.rnnad');
    mkdirSync(directory);
    await expect(Detector.load(directory)).rejects.toMatchObject({
      code: 'ERR_MODEL_FILE',
      message: `cannot load ${directory}: it is a directory; a model file must be a regular file`,
    });
    const missing = join(dir, 'missing.rnnad');
    await expect(Detector.load(missing)).rejects.toMatchObject({
      code: 'ERR_MODEL_FILE',
      message: `cannot load ${missing}: no such file (ENOENT)`,
      cause: { code: 'ENOENT' },
    });
    const unreadable = writeModel('unreadable.rnnad', tiny);
    chmodSync(unreadable, 0o000);
    const result = await loadInChild(unreadable, true);
    expect(result).toMatchObject({
      loaded: false,
      code: 'ERR_MODEL_FILE',
      causeCode: 'EACCES',
      message: `cannot load ${unreadable}: permission denied (EACCES)`,
    });
  });

  it(`rejects a file larger than MODEL_FILE_MAX_BYTES (${MODEL_FILE_MAX_BYTES}) without reading it`, async () => {
    const huge = join(dir, 'huge.rnnad');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, MODEL_FILE_MAX_BYTES + 1); // sparse: no disk space used
    closeSync(fd);
    const result = await loadInChild(huge);
    expect(result).toMatchObject({
      loaded: false,
      code: 'ERR_MODEL_FILE',
      message: `cannot load ${huge}: ${MODEL_FILE_MAX_BYTES + 1} bytes is more than the ${MODEL_FILE_MAX_BYTES} a model file may have`,
    });
    expect(result.elapsedMs).toBeLessThan(1000);
  });
});

describe('load of crafted tensors and headers', () => {
  it('rejects non-finite weights, which would only surface as a failed detect', () => {
    const crafted = craftModelFile(tiny, (_p, tensors) => {
      const weights = tensors.get('parameters')!.slice();
      weights[5] = NaN;
      tensors.set('parameters', weights);
    });
    expect(() => Detector.fromBuffer(crafted)).toThrow(
      /invalid parameters tensor \(weight 5 is NaN; a trained network's weights are finite\)/,
    );
  });

  it('rejects a header nested deeper than 32 levels, which toBuffer could not serialise again', () => {
    const crafted = craftModelFile(tiny, (p) => {
      let deep: unknown = 0;
      for (let i = 0; i < 40; i++) deep = [deep];
      (p.summary as Record<string, unknown>).note = deep;
    });
    expect(() => Detector.fromBuffer(crafted)).toThrow(/its header nests 4\d levels deep, at most 32 are allowed/);
  });
});
