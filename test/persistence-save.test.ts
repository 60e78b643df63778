/**
 * save after a crash and save to a path that cannot be a model file. The crash is real: a child
 * process writing a large model is killed with SIGKILL while its temporary file is being written.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Detector } from '../src/detector/detector.js';
import { writeFileAtomic } from '../src/persistence/atomic-write.js';
import { tinyModelFile } from './fuzz/model-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnad-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SAVE_CHILD = fileURLToPath(new URL('./fuzz/save-child.ts', import.meta.url));

const temporaries = (folder: string): string[] => readdirSync(folder).filter((f) => f.endsWith('.tmp'));

/** Starts a child saving `mib` MiB to `target` and SIGKILLs it once its temporary file holds data. */
async function killMidSave(target: string, mib: number): Promise<void> {
  const folder = join(target, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', SAVE_CHILD, target, String(mib)], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const partial = temporaries(folder).find((f) => statSync(join(folder, f)).size > 0);
    if (partial) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  expect(await exited, 'the child was killed mid-save').toBe('SIGKILL');
}

function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
}

describe('save after kill -9', () => {
  it('removes the temporary file a killed save left behind, and keeps those of running saves', async () => {
    const folder = join(dir, 'killed');
    mkdirSync(folder);
    const target = join(folder, 'big.rnnad');
    await killMidSave(target, 256);
    const left = temporaries(folder);
    expect(left).toHaveLength(1);
    expect(existsSync(target)).toBe(false);

    const running = sleeper();
    const live = `.big.rnnad.${running.pid}.0123456789ab.tmp`;
    const otherTarget = '.other.rnnad.999999999.0123456789ab.tmp';
    writeFileSync(join(folder, live), 'a save in progress');
    writeFileSync(join(folder, otherTarget), 'belongs to another file');
    try {
      await writeFileAtomic(target, Uint8Array.from([1, 2, 3]));
    } finally {
      running.kill('SIGKILL');
    }
    expect(Array.from(readFileSync(target))).toEqual([1, 2, 3]);
    expect(temporaries(folder).sort()).toEqual([live, otherTarget].sort());
  });

  it('Detector.save sweeps a killed save of the same model', async () => {
    const folder = join(dir, 'detector');
    mkdirSync(folder);
    const target = join(folder, 'detector.rnnad');
    await killMidSave(target, 64);
    expect(temporaries(folder)).toHaveLength(1);
    const detector = Detector.fromBuffer(await tinyModelFile());
    await detector.save(target);
    expect(temporaries(folder)).toEqual([]);
    expect((await Detector.load(target)).fitted).toBe(true);
  });
});

describe('save to a path that is not a file', () => {
  it('rejects a directory, a trailing separator and a FIFO before writing anything', async () => {
    const detector = Detector.fromBuffer(await tinyModelFile());
    const parent = join(dir, 'parent');
    const directory = join(parent, 'models');
    mkdirSync(directory, { recursive: true });
    await expect(detector.save(directory)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: `path ${JSON.stringify(directory)} is a directory; expected the path of a regular file to write (or of none yet)`,
    });
    await expect(detector.save(join(parent, 'new-folder/'))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(/ends with a path separator/),
    });
    const fifo = join(parent, 'model.fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(detector.save(fifo)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(/is a FIFO/),
    });
    expect(readdirSync(parent).sort()).toEqual(['model.fifo', 'models']);
    expect(readdirSync(directory)).toEqual([]);
  });
});
