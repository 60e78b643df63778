/**
 * Dense Cholesky factorisation and triangular solves on row-major Float64Array matrices, for the
 * small (features x features) covariance matrices of the error model.
 */

/**
 * Overwrites the lower triangle of the symmetric matrix `a` (d x d) with L such that a = L L^T
 * and zeroes the upper triangle. Returns false, leaving `a` partly overwritten, when a pivot (the
 * variance of a dimension left unexplained by the dimensions before it) is not above
 * `relativeTolerance` times that dimension's own variance: the matrix is then singular or too
 * close to it for a stable inverse.
 */
export function choleskyInPlace(a: Float64Array, d: number, relativeTolerance: number): boolean {
  for (let j = 0; j < d; j++) {
    const diagonal = a[j * d + j]!;
    let pivot = diagonal;
    for (let k = 0; k < j; k++) pivot -= a[j * d + k]! * a[j * d + k]!;
    if (!(pivot > relativeTolerance * diagonal) || !(pivot > 0)) return false;
    const root = Math.sqrt(pivot);
    a[j * d + j] = root;
    for (let i = j + 1; i < d; i++) {
      let sum = a[i * d + j]!;
      for (let k = 0; k < j; k++) sum -= a[i * d + k]! * a[j * d + k]!;
      a[i * d + j] = sum / root;
    }
    for (let k = j + 1; k < d; k++) a[j * d + k] = 0;
  }
  return true;
}

/** Solves L z = b (forward substitution) into z; z may alias b. */
export function solveLower(l: Float64Array, d: number, b: ArrayLike<number>, z: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * d + k]! * z[k]!;
    z[i] = sum / l[i * d + i]!;
  }
}

/** Solves L^T u = z (back substitution) into u; u may alias z. */
export function solveLowerTransposed(l: Float64Array, d: number, z: ArrayLike<number>, u: Float64Array): void {
  for (let i = d - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let k = i + 1; k < d; k++) sum -= l[k * d + i]! * u[k]!;
    u[i] = sum / l[i * d + i]!;
  }
}
