import { leastSquares } from './stats.ts';

/**
 * A smooth yearly profile as K Fourier harmonics, for seasonal periods too long for ETS
 * seasonal states (weekly data: 52.18 weeks; daily data: 365.25 days).
 *
 * Why Fourier and not m = 52 / 365 seasonal states: with the two or three years of history
 * that make yearly seasonality estimable at all, 52 or 365 free seasonal states are fitted
 * from two or three observations each and mostly learn noise (and AICc then rightly rejects
 * them); 2K = 6 coefficients describe the smooth shape a yearly cycle has, the fractional
 * period handles leap years and 52/53-week years, and the same code serves daily and weekly.
 * The profile is estimated by least squares together with a line (so a trend does not leak
 * into it), removed, and the remainder is modelled by ETS; forecasts add it back. Since it
 * is a fixed shift of the data, the ETS likelihood of the remainder is the likelihood of the
 * series, and AICc can weigh the 2K coefficients against the fit they buy.
 */
export interface YearlyProfile {
  period: number;
  harmonics: number;
  coefficients: number[];
}

export const YEARLY_HARMONICS = 3;

function terms(t: number, period: number, harmonics: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= harmonics; k++) {
    const a = (2 * Math.PI * k * t) / period;
    out.push(Math.sin(a), Math.cos(a));
  }
  return out;
}

export function fitYearlyProfile(x: readonly number[], period: number, harmonics = YEARLY_HARMONICS): YearlyProfile {
  const n = x.length;
  const rows = x.map((_, t) => [1, t / n, ...terms(t, period, harmonics)]);
  const beta = leastSquares(rows, x);
  return { period, harmonics, coefficients: beta.slice(2) };
}

/** The profile's value at time index t (0 = the first observation). */
export function profileAt(p: YearlyProfile, t: number): number {
  const f = terms(t, p.period, p.harmonics);
  let s = 0;
  for (let i = 0; i < f.length; i++) s += f[i]! * p.coefficients[i]!;
  return s;
}
