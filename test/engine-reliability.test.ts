import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { AnomalyNetwork, RecurrentStack } from '../src/engine/index.js';
import { NativeError } from '../src/core/errors.js';

// The addon must be safe on its own: each case runs in a child process that calls the addon
// directly (no TypeScript checks in front of it), so a crash shows as a signal or an abort
// instead of taking the test runner down.

const ADDON = join(import.meta.dirname, '..', 'build', 'Release', 'rnnad.node');

const PRELUDE = `
import { createRequire } from 'node:module';
const addon = createRequire(import.meta.url)(process.env.RNNAD_ADDON);
const gru = (hiddenSize = 16) => ({ cell: 2, resetAfter: true, inputSize: 4, hiddenSize, layers: 1 });
const forecast = (hiddenSize = 16) => ({ ...gru(hiddenSize), mode: 0, outputSize: 4 });
const adam = { optimizer: 0, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, momentum: 0, clipNorm: 0 };
const outcome = async (fn) => { try { await fn(); return 'ok'; } catch (e) { return e.code ?? String(e); } };
`;

function runChild(
  body: string,
  nodeArgs: string[] = [],
  timeoutMs = 60_000,
): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', PRELUDE + body], {
    env: { ...process.env, RNNAD_ADDON: ADDON },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function expectClean(r: ReturnType<typeof runChild>): void {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(0);
}

describe('worker threads terminated during native work', () => {
  it('200 workers terminated at random moments of async and sync native calls: the process survives', () => {
    const r = runChild(`
      import { Worker } from 'node:worker_threads';
      const workerBody = \`
        const addon = require(process.env.RNNAD_ADDON);
        const m = new addon.AnomalyModel({ cell: 2, resetAfter: true, inputSize: 4, hiddenSize: 32, layers: 1, mode: 0, outputSize: 4 });
        const s = new addon.RecurrentStack({ cell: 3, resetAfter: true, inputSize: 4, hiddenSize: 32, layers: 2 });
        const stream = m.makeStream(2, 8);
        const stepper = s.makeStepper(2);
        const cfg = { optimizer: 0, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, momentum: 0, clipNorm: 0 };
        const B = 16, T = 24, x = new Float32Array(B * T * 4).fill(0.1), target = new Float32Array(B * 4);
        require('node:worker_threads').parentPort.postMessage('working');
        (async () => {
          for (;;) {
            await m.trainStepAsync(x, target, B, T, cfg);
            m.trainStep(x, target, B, T, cfg);
            await m.predictAsync(x, B, T, new Float32Array(B * 4));
            await s.forwardAsync({ x, batch: B, steps: T, h0: null, c0: null, y: new Float32Array(B * T * 32), hN: new Float32Array(2 * B * 32), cN: null, train: true });
            stream.push(new Float32Array(8), null, new Float32Array(8), new Uint8Array(2));
            stepper.step(new Float32Array(8), null);
          }
        })();
      \`;
      let done = 0;
      const runOne = () => new Promise((resolve) => {
        const w = new Worker(workerBody, { eval: true, env: process.env, execArgv: [] });
        w.on('error', (e) => { console.error(String(e)); process.exitCode = 3; });
        w.on('exit', resolve);
        w.on('message', () => setTimeout(() => w.terminate().then(resolve, resolve), Math.random() * 15));
      });
      const lanes = Array.from({ length: 4 }, async () => { while (done < 200) { done++; await runOne(); } });
      await Promise.all(lanes);
      console.log('survived', done);
    `);
    expectClean(r);
    expect(r.stdout).toMatch(/survived 20\d/);
  }, 90_000);
});

describe('buffers detached or shrunk while an async call runs', () => {
  it('a resizable output shrunk to 0 and an input transferred away and collected: typed errors, no crash', () => {
    const r = runChild(
      `
      const B = 256, T = 64;
      const m = new addon.AnomalyModel({ ...gru(64), mode: 1, outputSize: 4 });
      const results = [];
      for (let i = 0; i < 3; i++) {
        const rab = new ArrayBuffer(B * T * 4 * 4, { maxByteLength: B * T * 4 * 4 });
        const out = new Float32Array(rab);
        const p = m.predictAsync(new Float32Array(B * T * 4).fill(0.5), B, T, out);
        rab.resize(0);
        results.push(await outcome(() => p));
        const x = new Float32Array(B * T * 4).fill(0.5);
        const q = m.predictAsync(x, B, T, new Float32Array(B * T * 4));
        structuredClone(x.buffer, { transfer: [x.buffer] });
        globalThis.gc();
        results.push(await outcome(() => q));
      }
      const s = new addon.RecurrentStack(gru(64));
      const rab = new ArrayBuffer(B * T * 64 * 4, { maxByteLength: B * T * 64 * 4 });
      const p = s.forwardAsync({ x: new Float32Array(B * T * 4), batch: B, steps: T, h0: null, c0: null, y: new Float32Array(rab), hN: new Float32Array(B * 64), cN: null, train: false });
      rab.resize(0);
      results.push(await outcome(() => p));
      console.log(JSON.stringify(results));
    `,
      ['--expose-gc'],
    );
    expectClean(r);
    const results = JSON.parse(r.stdout) as string[];
    // The output that shrank cannot receive the result: a typed error; the transferred input was
    // copied before the call returned, so that call completes.
    expect(results).toEqual([
      'ERR_INVALID_ARGUMENT',
      'ok',
      'ERR_INVALID_ARGUMENT',
      'ok',
      'ERR_INVALID_ARGUMENT',
      'ok',
      'ERR_INVALID_ARGUMENT',
    ]);
  });
});

describe('receivers and argument objects', () => {
  it('getters and methods called on another class instance throw instead of reading its memory', () => {
    const r = runChild(`
      const m = new addon.AnomalyModel(forecast());
      const s = new addon.RecurrentStack(gru());
      const stream = m.makeStream(1, 2), stepper = s.makeStepper(1);
      const proto = (o) => Object.getPrototypeOf(o);
      const getter = (o, name) => Object.getOwnPropertyDescriptor(proto(o), name).get;
      const cases = [
        () => getter(m, 'paramCount').call(s),
        () => getter(m, 'optimizerStep').call(stepper),
        () => getter(stepper, 'batch').call(stream),
        () => getter(s, 'paramCount').call({}),
        () => proto(m).getParams.call(s, new Float32Array(1 << 20)),
        () => proto(s).forward.call(m, {}),
        () => proto(stream).push.call(stepper, new Float32Array(4), null, new Float32Array(4), new Uint8Array(1)),
        () => proto(stepper).step.call(undefined, new Float32Array(4), null),
      ];
      console.log(JSON.stringify(await Promise.all(cases.map(outcome))));
    `);
    expectClean(r);
    // Getters are checked by the addon (before: a SIGSEGV, another object's memory, or a plain
    // Error); V8 itself refuses a foreign receiver for prototype methods before the addon runs.
    expect(JSON.parse(r.stdout)).toEqual([
      ...Array(4).fill('ERR_INVALID_ARGUMENT'),
      ...Array(4).fill('TypeError: Illegal invocation'),
    ]);
  });

  it('an argument getter that detaches an array read earlier cannot make the kernel use freed memory', () => {
    const r = runChild(
      `
      const H = 64, B = 512, T = 256;
      const s = new addon.RecurrentStack(gru(H));
      const big = () => new Float32Array(B * T * 4).fill(1);
      let x = big();
      const args = {
        get x() { return x; },
        batch: B, steps: T, h0: null, c0: null,
        get y() { structuredClone(x.buffer, { transfer: [x.buffer] }); globalThis.gc(); return new Float32Array(B * T * H); },
        hN: new Float32Array(B * H), cN: null, train: false,
      };
      console.log(await outcome(() => s.forward(args)));
    `,
      ['--expose-gc'],
    );
    expectClean(r);
    expect(r.stdout.trim()).toBe('ERR_SHAPE_MISMATCH');
  });
});

describe('native memory is released on demand and reported to the GC', () => {
  it('2,000 create/drop cycles of a hidden-256 stack keep RSS bounded (no dispose, no explicit gc, the event loop turning)', () => {
    const r = runChild(`
      const before = process.memoryUsage().rss;
      for (let i = 0; i < 2000; i++) {
        new addon.RecurrentStack({ cell: 2, resetAfter: true, inputSize: 8, hiddenSize: 256, layers: 1 });
        // Node runs N-API finalizers from the event loop: a server's loop turns, a tight loop would not.
        if (i % 20 === 0) await new Promise(setImmediate);
      }
      console.log(((process.memoryUsage().rss - before) / 2 ** 20).toFixed(0));
    `);
    expectClean(r);
    // Each stack holds about 2.4 MB of native memory (parameters and packed weights): 4.8 GB
    // for all of them if the GC never saw them.
    expect(Number(r.stdout)).toBeLessThan(400);
  });

  it('2,000 create/dispose cycles release native memory at once', () => {
    const r = runChild(`
      const before = process.memoryUsage().rss;
      for (let i = 0; i < 2000; i++) new addon.RecurrentStack({ cell: 2, resetAfter: true, inputSize: 8, hiddenSize: 256, layers: 1 }).dispose();
      console.log(((process.memoryUsage().rss - before) / 2 ** 20).toFixed(0));
    `);
    expectClean(r);
    expect(Number(r.stdout)).toBeLessThan(100);
  });

  it('dispose() and [Symbol.dispose] on every native-backed class; a disposed object refuses calls', () => {
    const stack = new RecurrentStack({ cell: 'gru', inputSize: 2, hiddenSize: 4 });
    const stepper = stack.createStepper(1);
    const net = new AnomalyNetwork({
      cell: 'lstm',
      inputSize: 2,
      hiddenSize: 4,
      layers: 1,
      mode: 'forecast',
      outputSize: 2,
    });
    const stream = net.openStream(1, 3);
    for (const obj of [stepper, stack, stream, net]) {
      expect(typeof obj.dispose).toBe('function');
      expect(typeof obj[Symbol.dispose]).toBe('function');
    }
    stack.dispose();
    stack.dispose();
    expect(() => stack.forward(new Float32Array(2), { batch: 1, steps: 1 })).toThrow(NativeError);
    expect(() => stack.forward(new Float32Array(2), { batch: 1, steps: 1 })).toThrow(/disposed/);
    // A stepper keeps its own share of the native stack alive: it still steps.
    stepper.step(new Float32Array(2));
    stepper.dispose();
    expect(() => stepper.step(new Float32Array(2))).toThrow(/disposed/);
    const scoped = new AnomalyNetwork({
      cell: 'gru',
      inputSize: 2,
      hiddenSize: 4,
      layers: 1,
      mode: 'forecast',
      outputSize: 2,
    });
    scoped[Symbol.dispose]();
    expect(() => scoped.paramCount).toThrow(/disposed/);
    net.dispose();
    expect(() => net.predict(new Float32Array(6), 1, 3)).toThrow(/disposed/);
    stream.dispose();
  });
});
