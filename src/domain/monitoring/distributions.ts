/**
 * Tail probabilities the drift tests need: chi-square (through the regularised incomplete
 * gamma function) and Kolmogorov's limiting distribution. Algorithms from W. H. Press et al.,
 * Numerical Recipes (gammln, gser/gcf, probks), accurate far beyond what a p-value needs.
 */

const LANCZOS = [76.18009172947146, -86.50532032941678, 24.01409824083091, -1.231739572450155, 0.001208650973866179, -0.000005395239384953];

/** ln Γ(x) for x > 0 (Lanczos, |error| < 2e-10). */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma needs x > 0, got ${x}`);
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let series = 1.000000000190015;
  for (const c of LANCZOS) series += c / ++y;
  return -tmp + Math.log((2.5066282746310007 * series) / x);
}

/** Upper regularised incomplete gamma Q(a, x) = Γ(a, x) / Γ(a), for a > 0, x ≥ 0. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`gammaQ needs a > 0 and x ≥ 0, got a=${a}, x=${x}`);
  if (x === 0) return 1;
  const lnPrefix = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    // Series for P(a, x), then Q = 1 − P.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPrefix));
  }
  // Continued fraction for Q (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(lnPrefix) * h);
}

/** P(X > statistic) for X ~ χ² with `df` degrees of freedom. */
export function chiSquareSurvival(statistic: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`chi-square needs df > 0, got ${df}`);
  return statistic <= 0 ? 1 : gammaQ(df / 2, statistic / 2);
}

/** Kolmogorov's Q(λ) = 2 Σ (−1)^(j−1) e^(−2 j² λ²): the limiting P(√n·D > λ). */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  const a2 = -2 * lambda * lambda;
  let sign = 2;
  let sum = 0;
  let previous = 0;
  for (let j = 1; j <= 100; j++) {
    const term = sign * Math.exp(a2 * j * j);
    sum += term;
    const size = Math.abs(term);
    if (size <= 1e-10 * previous || size <= 1e-16 * sum) return Math.min(1, Math.max(0, sum));
    sign = -sign;
    previous = size;
  }
  // The series has not settled only for tiny λ, where the probability is 1.
  return 1;
}

/**
 * Two-sample Kolmogorov–Smirnov p-value for distance `d` between samples of `n` and `m`
 * rows, with Stephens' small-sample correction of the effective size.
 */
export function ksPValue(d: number, n: number, m: number): number {
  const effective = Math.sqrt((n * m) / (n + m));
  return kolmogorovSurvival((effective + 0.12 + 0.11 / effective) * d);
}
