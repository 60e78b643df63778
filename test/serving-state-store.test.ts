/**
 * The state store's failures are typed: better-sqlite3 missing or its native binary not built
 * (tested in child processes whose loader hides the package or points it at a copy without its
 * binary), a file that is not a database, a database of another model. And a database written
 * before stream-record version 2 is taken over: its streams resume.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RnnAnomalyError } from '../src/core/errors.js';
import { Detector } from '../src/detector/detector.js';
import { StateStore, StateStoreError } from '../src/serving/state-store.js';
import { decodePoolSnapshot } from '../src/streaming/stream-state-format.js';
import { collect, REPO, type CliRun } from './cli-helpers.js';
import { request, startService, modelFileForTests } from './serving-helpers.js';

const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const STATE_STORE = pathToFileURL(join(REPO, 'src', 'serving', 'state-store.ts')).href;

const files = modelFileForTests();

/**
 * Writes a module for `--import` that registers a resolve hook: 'better-sqlite3' fails to
 * resolve as an uninstalled package does, or resolves to `redirect`.
 */
async function writeLoader(name: string, redirect: string | null): Promise<string> {
  const hooks = join(files.dir, `${name}-hooks.mjs`);
  const answer =
    redirect === null
      ? `throw Object.assign(new Error("Cannot find package 'better-sqlite3' imported from " + (context.parentURL ?? '')), { code: 'ERR_MODULE_NOT_FOUND' });`
      : `return { url: ${JSON.stringify(pathToFileURL(redirect).href)}, format: 'commonjs', shortCircuit: true };`;
  await writeFile(
    hooks,
    `export async function resolve(specifier, context, nextResolve) {\n` +
      `  if (specifier === 'better-sqlite3') { ${answer} }\n` +
      `  return nextResolve(specifier, context);\n}\n`,
  );
  const register = join(files.dir, `${name}-register.mjs`);
  await writeFile(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  return pathToFileURL(register).href;
}

/** A copy of better-sqlite3's JavaScript (and the packages it requires) without its native build. */
async function copyWithoutBinary(): Promise<string> {
  const require = createRequire(join(REPO, 'package.json'));
  const root = join(files.dir, 'unbuilt', 'node_modules');
  const source = dirname(require.resolve('better-sqlite3/package.json'));
  await mkdir(join(root, 'better-sqlite3'), { recursive: true });
  await cp(join(source, 'package.json'), join(root, 'better-sqlite3', 'package.json'));
  await cp(join(source, 'lib'), join(root, 'better-sqlite3', 'lib'), { recursive: true });
  for (const dependency of ['bindings', 'file-uri-to-path']) {
    await cp(dirname(require.resolve(`${dependency}/package.json`)), join(root, dependency), { recursive: true });
  }
  return join(root, 'better-sqlite3', 'lib', 'index.js');
}

/** Node with tsx (sources run as startCli runs them) and `loader` beside it, in the test folder. */
function nodeWith(loader: string, args: readonly string[]): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, '--import', loader, ...args], {
    cwd: files.dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child);
}

/** Runs StateStore.open in a child with `loader`; returns what it threw. */
async function openInChild(loader: string): Promise<{ name: string; code: string; branded: boolean; message: string }> {
  const script =
    `const { StateStore } = await import(${JSON.stringify(STATE_STORE)});\n` +
    `const { RnnAnomalyError } = await import(${JSON.stringify(pathToFileURL(join(REPO, 'src', 'core', 'errors.ts')).href)});\n` +
    `try { await StateStore.open(${JSON.stringify(join(files.dir, 'never.db'))}); console.log('{"opened":true}'); }\n` +
    `catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, branded: e instanceof RnnAnomalyError, message: e.message })); }\n`;
  const run = await nodeWith(loader, ['--input-type=module', '-e', script]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

describe('serve --state without a usable better-sqlite3', () => {
  const cases: { name: string; stage: RegExp; redirect: () => Promise<string | null> }[] = [
    {
      name: 'not installed',
      stage: /could not be found \(Cannot find package 'better-sqlite3'/,
      redirect: async () => null,
    },
    {
      name: 'native binary not built',
      stage: /was found but its native binary did not load \(Could not locate the bindings file/,
      redirect: copyWithoutBinary,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: a typed error that says how to install it, from the API and the CLI`, async () => {
      const loader = await writeLoader(c.name.replace(/\W+/g, '-'), await c.redirect());
      const thrown = await openInChild(loader);
      expect(thrown).toMatchObject({ name: 'StateStoreUnavailableError', code: 'ERR_NATIVE_LOAD', branded: true });
      expect(thrown.message).toMatch(c.stage);
      expect(thrown.message).toContain('npm install better-sqlite3@12.11.1');

      const serve = ['serve', '--model', `m=${files.modelPath}`, '--port', '0', '--state', 'state.db'];
      const run = await nodeWith(loader, [join(REPO, 'src', 'cli', 'main.ts'), ...serve]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(c.stage);
      expect(run.stderr).toContain('npm install better-sqlite3@12.11.1');
      expect(run.stderr).not.toContain('listening on');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('StateStore', () => {
  it('a file that is not a database, or a folder that does not exist, is a typed error', async () => {
    const junk = join(files.dir, 'junk.db');
    await writeFile(junk, 'this is not SQLite '.repeat(100));
    for (const path of [junk, join(files.dir, 'no-such-folder', 'state.db')]) {
      const error = await StateStore.open(path).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StateStoreError);
      expect(error).toBeInstanceOf(RnnAnomalyError);
      expect((error as StateStoreError).code).toBe('ERR_INVALID_DATA');
      expect((error as Error).message).toContain(`cannot use ${path} as the --state database`);
    }
  });

  it("refuses another model's states with a typed error, and takes over a legacy fingerprint", async () => {
    const store = await StateStore.open(join(files.dir, 'claims.db'));
    try {
      store.claim('m', 0x1234);
      store.claim('m', 0x1234);
      let error: unknown;
      try {
        store.claim('m', 0x9999);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StateStoreError);
      expect((error as Error).message).toMatch(
        /holds stream states of another model named "m" \(fingerprint 1234, this one 9999\)/,
      );
      // A database claimed with the old fingerprint formula is relabelled with the new one.
      store.claim('m', 0x5678, 0x1234);
      store.claim('m', 0x5678);
      expect(() => store.claim('m', 0x1234)).toThrow(StateStoreError);
    } finally {
      store.close();
    }
  });
});

describe('a state database written before stream-record version 2', () => {
  it('is claimed and its version-1 records resume', async () => {
    const fixture = new URL('./fixtures/stream-pool-v1/', import.meta.url);
    const model = join(files.dir, 'v1-model.rnnad');
    await writeFile(model, await readFile(new URL('model.rnnad', fixture)));
    const snapshot = new Uint8Array(await readFile(new URL('snapshot-v1.bin', fixture)));
    const detector = Detector.fromBuffer(await readFile(model), model);
    // What serve wrote then: the models row with the old fingerprint, one version-1 record per stream.
    const statePath = join(files.dir, 'v1-state.db');
    const store = await StateStore.open(statePath);
    store.claim('m', detector.streams().legacyFingerprint);
    const restored = detector.restoreStreams(snapshot);
    const { fingerprint, records } = decodePoolSnapshot(snapshot);
    expect(fingerprint).toBe(restored.legacyFingerprint);
    // Records are in the pool's order, which restoring keeps.
    const keys = restored.streamKeys();
    await store.checkpoint(
      [{ model: 'm', upserts: records.map((record, i) => ({ key: keys[i]!, record })), deletes: [] }],
      1,
    );
    store.close();

    const service = await startService(model, { statePath });
    try {
      for (const key of ['a', 'b', 'c']) {
        const got = await request(service.address, 'GET', `/v1/models/m/streams/${key}`);
        expect(got.status).toBe(200);
        const want = restored.get(key)!;
        expect(got.body).toMatchObject({ stream: key, points: want.points, lastTime: want.lastTime });
      }
      const scored = await request(service.address, 'POST', '/v1/models/m/points', {
        points: [{ stream: 'a', values: [0.25] }],
      });
      const expected = restored.push(['a'], [[0.25]]);
      expect(scored.status).toBe(200);
      expect(scored.body.results[0].score).toBe(expected.scores[0]);
    } finally {
      await service.stop();
    }
    // Relabelled: the next start claims with the new fingerprint alone.
    const again = await StateStore.open(statePath);
    try {
      expect(() => again.claim('m', detector.streams().fingerprint, detector.streams().fingerprint)).not.toThrow();
    } finally {
      again.close();
    }
  });
});
