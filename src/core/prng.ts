/**
 * Seeded pseudo-random numbers for shuffling training windows. Training must give the same model
 * for the same seed on every machine and Node version, so Math.random is out; xoshiro128** (Blackman
 * & Vigna) is small, fast in 32-bit integer arithmetic and statistically sound for this use.
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Expands a 32-bit seed into the 128-bit state with splitmix32 so nearby seeds diverge. */
  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // The all-zero state is a fixed point; splitmix32 cannot produce it for four draws in a row,
    // but guard anyway so a future change of the expander cannot silently break the generator.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Builds a generator from an explicit 128-bit state (reference vectors, saved states). */
  static fromState(state: readonly [number, number, number, number]): Xoshiro128 {
    const g = new Xoshiro128(0);
    g.s0 = state[0] >>> 0;
    g.s1 = state[1] >>> 0;
    g.s2 = state[2] >>> 0;
    g.s3 = state[3] >>> 0;
    return g;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Uniform integer in [0, n) for 1 <= n <= 2^32, without modulo bias: draws that fall in the
   * incomplete last block of size 2^32 mod n are rejected.
   */
  nextBelow(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Fisher-Yates shuffle in place: every permutation equally likely given a uniform generator. */
export function shuffleInPlace(values: Int32Array, rng: Xoshiro128): Int32Array {
  for (let i = values.length - 1; i > 0; i--) {
    const j = rng.nextBelow(i + 1);
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
  return values;
}
