/**
 * Dense Cholesky factorisation and solve for the small symmetric positive-definite systems
 * the models fit (Newton steps of the logistic model, the deal-value ridge): p ≤ a few
 * hundred, row-major in one Float64Array.
 */

/** Factorises `a` (p × p) in place into its lower triangle; false if not positive definite. */
export function cholesky(a: Float64Array, p: number): boolean {
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j]!;
    for (let k = 0; k < j; k++) d -= a[j * p + k]! * a[j * p + k]!;
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    a[j * p + j] = l;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= a[i * p + k]! * a[j * p + k]!;
      a[i * p + j] = s / l;
    }
  }
  return true;
}

/** Solves L·Lᵀ·x = b for the factor `l` made by cholesky. */
export function cholSolve(l: Float64Array, p: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * x[k]!;
    x[i] = s / l[i * p + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * x[k]!;
    x[i] = s / l[i * p + i]!;
  }
  return x;
}
