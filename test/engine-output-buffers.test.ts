import { describe, expect, it } from 'vitest';

import { InvalidArgumentError, OutOfRangeError } from '../src/core/errors.js';
import { RecurrentStack, type BackwardOutputs, type ForwardOutputs } from '../src/engine/index.js';
import { native } from '../src/engine/native.js';
import { f32, f64, golden, normwiseError, stackSpecOf, swapLeadingAxes, type GoldenCase } from './helpers/golden.js';

// Tolerances of the golden README (as engine-golden.test.ts): forward 3e-5, gradients 1e-4.
const FORWARD_TOL = 3e-5;
const GRAD_TOL = 1e-4;

function stackFor(c: GoldenCase): RecurrentStack {
  const net = new RecurrentStack({ ...stackSpecOf(c.cell), inputSize: c.D, hiddenSize: c.H, layers: c.layers });
  const params: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(c.params)) params[k] = f32(v);
  net.setParameters(params);
  return net;
}

// Filled with NaN: any element the kernels failed to overwrite shows up in the comparison.
function poisoned(n: number): Float32Array {
  return new Float32Array(n).fill(Number.NaN);
}

function outputsFor(c: GoldenCase): ForwardOutputs {
  const state = c.layers * c.B * c.H;
  return { output: poisoned(c.B * c.T * c.H), hN: poisoned(state), cN: c.cell === 'lstm' ? poisoned(state) : null };
}

function gradientsFor(c: GoldenCase, net: RecurrentStack): BackwardOutputs {
  const state = c.layers * c.B * c.H;
  return {
    dInput: poisoned(c.B * c.T * c.D),
    dH0: poisoned(state),
    dC0: c.cell === 'lstm' ? poisoned(state) : null,
    dParams: poisoned(net.paramCount),
  };
}

const cases = golden().cases.filter((c) =>
  ['gru_stack', 'gru_reset_before_odd', 'lstm_mid', 'rnn_tanh_odd'].includes(c.name),
);

describe('caller-owned output arrays match PyTorch', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s, twice into the same arrays, sync and async',
    async (_name, c) => {
      const { B, T, D, H } = c;
      const net = stackFor(c);
      const lstm = c.cell === 'lstm';
      const x = swapLeadingAxes(f32(c.x), T, B, D);
      const out = outputsFor(c);
      const grads = gradientsFor(c, net);
      for (const mode of ['sync', 'async', 'sync again'] as const) {
        const options = { batch: B, steps: T, h0: f32(c.h0), c0: lstm ? f32(c.c0!) : undefined, train: true, out };
        const fwd = mode === 'async' ? await net.forwardAsync(x, options) : net.forward(x, options);
        expect(fwd.output).toBe(out.output);
        expect(fwd.hN).toBe(out.hN);
        expect(normwiseError(swapLeadingAxes(out.output, B, T, H), f64(c.y))).toBeLessThan(FORWARD_TOL);
        expect(normwiseError(out.hN, f64(c.h_n))).toBeLessThan(FORWARD_TOL);
        if (lstm) expect(normwiseError(out.cN!, f64(c.c_n!))).toBeLessThan(FORWARD_TOL);

        const backwardOptions = {
          dOutput: swapLeadingAxes(f32(c.dy), T, B, H),
          dHN: f32(c.dh_n),
          dCN: lstm ? f32(c.dc_n!) : undefined,
          out: grads,
        };
        const g = mode === 'async' ? await net.backwardAsync(backwardOptions) : net.backward(backwardOptions);
        expect(g.dInput).toBe(grads.dInput);
        expect(normwiseError(swapLeadingAxes(grads.dInput, B, T, D), f64(c.grad.x!))).toBeLessThan(GRAD_TOL);
        expect(normwiseError(grads.dH0, f64(c.grad.h0!))).toBeLessThan(GRAD_TOL);
        if (lstm) expect(normwiseError(grads.dC0!, f64(c.grad.c0!))).toBeLessThan(GRAD_TOL);
        for (const name of Object.keys(c.params)) {
          const view = g.params[name]!;
          // Views into the caller's flat buffer, not copies.
          expect(view.buffer).toBe(grads.dParams.buffer);
          expect(normwiseError(view, f64(c.grad[name]!)), name).toBeLessThan(GRAD_TOL);
        }
        // Every float of the flat buffer belongs to some named gradient, all written.
        expect(grads.dParams.every(Number.isFinite)).toBe(true);
        out.output.fill(Number.NaN);
        grads.dParams.fill(Number.NaN);
      }
    },
  );
});

describe('output arrays are checked before anything runs', () => {
  const gru = () => new RecurrentStack({ cell: 'gru', inputSize: 3, hiddenSize: 4, layers: 2, seed: 1 });
  const B = 2,
    T = 5,
    D = 3,
    H = 4,
    L = 2;
  const fresh = () => ({ output: new Float32Array(B * T * H), hN: new Float32Array(L * B * H) });

  it('rejects wrong lengths, wrong types and a missing object', () => {
    const net = gru();
    const x = new Float32Array(B * T * D);
    expect(() =>
      net.forward(x, { batch: B, steps: T, out: { ...fresh(), output: new Float32Array(B * T * H - 1) } }),
    ).toThrow(OutOfRangeError);
    expect(() =>
      net.forward(x, {
        batch: B,
        steps: T,
        out: { ...fresh(), hN: new Float64Array(L * B * H) as unknown as Float32Array },
      }),
    ).toThrow(/out\.hN must be a Float32Array/);
    expect(() => net.forward(x, { batch: B, steps: T, out: 7 as unknown as ForwardOutputs })).toThrow(
      InvalidArgumentError,
    );
    expect(() => net.forward(x, { batch: B, steps: T, out: { ...fresh(), cN: new Float32Array(L * B * H) } })).toThrow(
      /only accepted by an lstm/,
    );
  });

  it('requires cN for an lstm stack', () => {
    const net = new RecurrentStack({ cell: 'lstm', inputSize: D, hiddenSize: H, layers: L, seed: 1 });
    expect(() => net.forward(new Float32Array(B * T * D), { batch: B, steps: T, out: fresh() })).toThrow(
      /out\.cN must be a Float32Array/,
    );
  });

  it('rejects outputs that share memory with an input or with each other, and leaves them unwritten', () => {
    const net = gru();
    const shared = new Float32Array(B * T * H + L * B * H).fill(0.5);
    const x = shared.subarray(0, B * T * D);
    const aliasX = { output: shared.subarray(0, B * T * H), hN: new Float32Array(L * B * H) };
    expect(() => net.forward(x, { batch: B, steps: T, out: aliasX })).toThrow(
      /out\.output must not share memory with x/,
    );
    const overlapping = {
      output: shared.subarray(0, B * T * H),
      hN: shared.subarray(B * T * H - 1, B * T * H - 1 + L * B * H),
    };
    let caught: unknown;
    try {
      net.forward(new Float32Array(B * T * D), { batch: B, steps: T, out: overlapping });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).code).toBe('ERR_INVALID_ARGUMENT');
    expect(shared.every((v) => v === 0.5)).toBe(true);
  });

  it('accepts adjacent, non-overlapping parts of one buffer', () => {
    const net = gru();
    const x = new Float32Array(B * T * D).map((_, i) => Math.sin(i));
    const shared = new Float32Array(B * T * H + L * B * H);
    const out = { output: shared.subarray(0, B * T * H), hN: shared.subarray(B * T * H) };
    net.forward(x, { batch: B, steps: T, out });
    // The top layer's last output row of each sequence is its final hidden state.
    for (let b = 0; b < B; b++) {
      const last = out.output.subarray((b * T + T - 1) * H, (b * T + T) * H);
      expect(Array.from(out.hN.subarray(((L - 1) * B + b) * H, ((L - 1) * B + b + 1) * H))).toEqual(Array.from(last));
    }
  });

  it('rejects gradient outputs aliasing dOutput', () => {
    const net = gru();
    net.forward(new Float32Array(B * T * D), { batch: B, steps: T, train: true });
    const dOutput = new Float32Array(B * T * H);
    const grads = {
      dInput: dOutput.subarray(0, B * T * D),
      dH0: new Float32Array(L * B * H),
      dParams: new Float32Array(net.paramCount),
    };
    expect(() => net.backward({ dOutput, out: grads })).toThrow(/out\.dInput must not share memory with dOutput/);
    expect(() =>
      net.backward({ out: { ...grads, dInput: new Float32Array(B * T * D), dParams: new Float32Array(3) } }),
    ).toThrow(OutOfRangeError);
  });

  it('the addon itself refuses aliased outputs (second line of defence)', () => {
    const handle = new (native().RecurrentStack)({ cell: 2, resetAfter: true, inputSize: D, hiddenSize: H, layers: L });
    const buf = new Float32Array(B * T * H + L * B * H);
    const args = {
      x: buf.subarray(0, B * T * D),
      batch: B,
      steps: T,
      h0: null,
      c0: null,
      y: buf.subarray(0, B * T * H),
      hN: buf.subarray(B * T * H),
      cN: null,
      train: false,
    };
    let caught: unknown;
    try {
      handle.forward(args);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as { code?: string }).code).toBe('ERR_INVALID_ARGUMENT');
    expect((caught as Error).message).toMatch(/output must not share memory with x/);
    handle.forward({ ...args, x: new Float32Array(B * T * D) });
    expect(buf.every(Number.isFinite)).toBe(true);
  });
});
