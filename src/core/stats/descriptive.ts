/** Descriptive statistics over raw benchmark values. All take a non-empty array and never mutate it. */

function requireValues(xs: readonly number[], what: string): void {
  if (xs.length === 0) throw new RangeError(`${what} of an empty sample`);
}

export function mean(xs: readonly number[]): number {
  requireValues(xs, 'mean');
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Median; the mean of the two middle values for an even count. */
export function median(xs: readonly number[]): number {
  requireValues(xs, 'median');
  return medianOfSorted(sorted(xs));
}

export function medianOfSorted(s: readonly number[]): number {
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function stdev(xs: readonly number[]): number {
  requireValues(xs, 'stdev');
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** Median absolute deviation, unscaled (multiply by 1.4826 for a normal-consistent sigma). */
export function mad(xs: readonly number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

/** Coefficient of variation in percent: sample stdev / |mean| × 100 (auto-optimize's "spread"). */
export function cvPct(xs: readonly number[]): number {
  const m = mean(xs);
  if (m === 0) return Number.POSITIVE_INFINITY;
  return (stdev(xs) / Math.abs(m)) * 100;
}

/** Robust CV in percent: 1.4826 × MAD / |median| × 100; reported next to the CV because one outlier inflates the CV. */
export function robustCvPct(xs: readonly number[]): number {
  const m = median(xs);
  if (m === 0) return Number.POSITIVE_INFINITY;
  return ((1.4826 * mad(xs)) / Math.abs(m)) * 100;
}
