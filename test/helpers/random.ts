import { Xoshiro128 } from '../../src/core/prng.js';

/** Seeded uniform values in [-scale, scale). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Xoshiro128(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.nextFloat() * 2 - 1) * scale;
  return out;
}
