import { describe, expect, it } from 'vitest';

import { AnomalyNetwork, RecurrentStack, activeIsa, forceIsa, supportedIsas } from '../src/engine/index.js';
import { f32, f64, golden, maxAbsError, normwiseError, stackSpecOf, swapLeadingAxes } from './helpers/golden.js';

// Tolerances from the golden README: forward 3e-5 and gradients 1e-4 norm-wise per array;
// whole-model cases 1e-5 norm-wise, parameters after 3 Adam steps 1e-4 absolute.
const FORWARD_TOL = 3e-5;
const GRAD_TOL = 1e-4;
const MODEL_TOL = 1e-5;
const ADAM_TOL = 1e-4;

const isas = supportedIsas();
const initialIsa = activeIsa();

describe.each(isas)('PyTorch reference cases on the %s path', (isa) => {
  it.each(golden().cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    forceIsa(isa);
    try {
      const { B, T, D, H, layers } = c;
      const net = new RecurrentStack({ ...stackSpecOf(c.cell), inputSize: D, hiddenSize: H, layers });
      const params: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(c.params)) params[k] = f32(v);
      net.setParameters(params);
      const lstm = c.cell === 'lstm';
      const x = swapLeadingAxes(f32(c.x), T, B, D);
      const fwd = net.forward(x, { batch: B, steps: T, h0: f32(c.h0), c0: lstm ? f32(c.c0!) : undefined, train: true });
      expect(normwiseError(swapLeadingAxes(fwd.output, B, T, H), f64(c.y))).toBeLessThan(FORWARD_TOL);
      expect(normwiseError(fwd.hN, f64(c.h_n))).toBeLessThan(FORWARD_TOL);
      if (lstm) expect(normwiseError(fwd.cN!, f64(c.c_n!))).toBeLessThan(FORWARD_TOL);

      const g = net.backward({
        dOutput: swapLeadingAxes(f32(c.dy), T, B, H),
        dHN: f32(c.dh_n),
        dCN: lstm ? f32(c.dc_n!) : undefined,
      });
      expect(normwiseError(swapLeadingAxes(g.dInput, B, T, D), f64(c.grad.x!))).toBeLessThan(GRAD_TOL);
      expect(normwiseError(g.dH0, f64(c.grad.h0!))).toBeLessThan(GRAD_TOL);
      if (lstm) expect(normwiseError(g.dC0!, f64(c.grad.c0!))).toBeLessThan(GRAD_TOL);
      for (const name of Object.keys(c.params)) {
        expect(normwiseError(g.params[name]!, f64(c.grad[name]!)), name).toBeLessThan(GRAD_TOL);
      }
    } finally {
      forceIsa(initialIsa);
    }
  });

  it.each(golden().models.map((m) => [m.name, m] as const))('training step of %s', (_name, m) => {
    forceIsa(isa);
    try {
      const { B, T, D, H, layers } = m;
      const net = new AnomalyNetwork({
        ...stackSpecOf(m.cell),
        inputSize: D,
        hiddenSize: H,
        layers,
        mode: 'forecast',
        outputSize: D,
      });
      const flat = net.getFlatParameters();
      for (const slot of net.parameterSlots()) flat.set(f32(m.params[slot.name]!), slot.offset);
      net.setFlatParameters(flat);
      const x = swapLeadingAxes(f32(m.x), T, B, D);
      const target = f32(m.target);

      expect(normwiseError(net.predict(x, B, T), f64(m.pred_step0))).toBeLessThan(MODEL_TOL);
      const { loss, grads } = net.gradient(x, target, B, T);
      expect(Math.abs(loss - m.loss_per_step[0]!) / Math.max(1, Math.abs(m.loss_per_step[0]!))).toBeLessThan(MODEL_TOL);
      for (const slot of net.parameterSlots()) {
        const got = grads.subarray(slot.offset, slot.offset + slot.length);
        expect(normwiseError(got, f64(m.grad_step0[slot.name]!)), slot.name).toBeLessThan(MODEL_TOL);
      }
      const adam = {
        optimizer: 'adam' as const,
        learningRate: m.adam.lr,
        beta1: m.adam.beta1,
        beta2: m.adam.beta2,
        eps: m.adam.eps,
      };
      for (let step = 0; step < m.adam.steps; step++) {
        const r = net.trainStep(x, target, B, T, adam);
        expect(Math.abs(r.loss - m.loss_per_step[step]!)).toBeLessThan(MODEL_TOL * Math.max(1, m.loss_per_step[step]!));
      }
      const after = net.getFlatParameters();
      for (const slot of net.parameterSlots()) {
        const got = after.subarray(slot.offset, slot.offset + slot.length);
        expect(maxAbsError(got, f64(m.params_after[slot.name]!)), slot.name).toBeLessThan(ADAM_TOL);
      }
    } finally {
      forceIsa(initialIsa);
    }
  });
});
