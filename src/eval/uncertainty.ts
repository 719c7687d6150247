/**
 * Uncertainty of evaluation figures, computed from per-user metric values.
 *
 * - Confidence intervals: percentile bootstrap over users (Efron & Tibshirani 1993, ch. 13). Each resample draws
 *   n users with replacement; the SAME drawn users serve every metric column, so the intervals of one model are
 *   those of one resampled population. Users whose value is NaN (a metric undefined for them) are left out of
 *   that column's mean, as they are in the point estimate.
 * - Comparisons: a paired t-test on the per-user differences (two-sided, df = n − 1; users are the pairing unit,
 *   only users with a defined value under both models count), plus a paired-bootstrap interval of the mean
 *   difference. With thousands of users the t-test's normality assumption holds for the MEAN difference by the
 *   central limit theorem even though per-user NDCG is far from normal.
 *
 * Resampling is vectorised over typed arrays: one Int32Array of drawn user positions per resample, summed into
 * every column in a tight loop.
 */
import { mulberry32 } from '../data/random.ts';

export interface Interval {
  lo: number;
  hi: number;
}

export interface BootstrapOptions {
  /** Resamples (default 1000). */
  resamples?: number;
  /** Seed of the resampling stream (default 42). */
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

export const DEFAULT_RESAMPLES = 1000;

/** Linear-interpolation quantile (R type 7, numpy's default) of a sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (!n) return NaN;
  const h = (n - 1) * p, lo = Math.floor(h), hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function checkOptions(o: BootstrapOptions): { resamples: number; seed: number; level: number } {
  const resamples = o.resamples ?? DEFAULT_RESAMPLES, level = o.level ?? 0.95;
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new RangeError(`resamples must be an integer >= 1, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  return { resamples, seed: o.seed ?? 42, level };
}

/**
 * Percentile-bootstrap intervals of the mean of each column; all columns have the same length n (one value per
 * user) and are resampled with the same drawn users. A column with no defined value gets {NaN, NaN}.
 */
export function bootstrapMeans(columns: Readonly<Record<string, ArrayLike<number>>>, o: BootstrapOptions = {}): Record<string, Interval> {
  const { resamples, seed, level } = checkOptions(o);
  const names = Object.keys(columns);
  const out: Record<string, Interval> = {};
  if (!names.length) return out;
  const n = columns[names[0]!]!.length;
  for (const name of names) if (columns[name]!.length !== n) throw new RangeError(`column ${name} has ${columns[name]!.length} values, expected ${n}`);
  const cols = names.map((name) => Float64Array.from(columns[name]!));
  const means = names.map(() => new Float64Array(resamples));
  if (n > 0) {
    const rng = mulberry32(seed);
    const drawn = new Int32Array(n);
    for (let b = 0; b < resamples; b++) {
      for (let q = 0; q < n; q++) drawn[q] = Math.floor(rng() * n);
      for (let c = 0; c < cols.length; c++) {
        const v = cols[c]!;
        let s = 0, m = 0;
        for (let q = 0; q < n; q++) { const x = v[drawn[q]!]!; if (x === x) { s += x; m++; } }
        means[c]![b] = m ? s / m : NaN;
      }
    }
  }
  const a = (1 - level) / 2;
  names.forEach((name, c) => {
    // resamples that drew only undefined users have no mean; the interval is over those that do
    const finite = means[c]!.filter((x) => x === x).sort();
    out[name] = n && finite.length ? { lo: quantileSorted(finite, a), hi: quantileSorted(finite, 1 - a) } : { lo: NaN, hi: NaN };
  });
  return out;
}

export interface PairedComparison {
  /** Users with a defined value under both models. */
  n: number;
  /** Mean of (a − b) over those users. */
  meanDifference: number;
  /** Paired-bootstrap interval of the mean difference. */
  interval: Interval;
  /** Paired t statistic and its two-sided p-value (df = n − 1). */
  t: number;
  p: number;
}

/** Differences a[q] − b[q] where both are defined. */
function differences(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  if (a.length !== b.length) throw new RangeError(`paired columns differ in length (${a.length} vs ${b.length})`);
  const d = new Float64Array(a.length);
  let m = 0;
  for (let q = 0; q < a.length; q++) { const x = a[q]! - b[q]!; if (x === x) d[m++] = x; }
  return d.slice(0, m);
}

/** Paired t-test (two-sided) of mean(a − b) = 0, from the differences alone. */
export function pairedTTest(d: ArrayLike<number>): { t: number; p: number; mean: number } {
  const n = d.length;
  if (n === 0) return { t: NaN, p: NaN, mean: NaN };
  let s = 0;
  for (let q = 0; q < n; q++) s += d[q]!;
  const mean = s / n;
  if (n < 2) return { t: NaN, p: NaN, mean };
  let ss = 0;
  for (let q = 0; q < n; q++) ss += (d[q]! - mean) ** 2;
  const se = Math.sqrt(ss / (n - 1) / n);
  if (se === 0) return mean === 0 ? { t: 0, p: 1, mean } : { t: mean > 0 ? Infinity : -Infinity, p: 0, mean };
  const t = mean / se;
  return { t, p: studentTwoSidedP(t, n - 1), mean };
}

/** Compares per-user values `a` (a model) with `b` (the reference model) on the same users, in the same order. */
export function comparePaired(a: ArrayLike<number>, b: ArrayLike<number>, o: BootstrapOptions = {}): PairedComparison {
  const d = differences(a, b);
  const { t, p, mean } = pairedTTest(d);
  const interval = bootstrapMeans({ d }, o).d!;
  return { n: d.length, meanDifference: mean, interval, t, p };
}

/** P(|T| >= |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~15 significant digits). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized incomplete beta I_x(a, b), by its continued fraction (modified Lentz; Numerical Recipes 6.4). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // the fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) otherwise
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d; if (Math.abs(d) < tiny) d = tiny; c = 1 + num / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d; if (Math.abs(d) < tiny) d = tiny; c = 1 + num / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    f *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return (front * f) / a;
}
