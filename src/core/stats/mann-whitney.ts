import { normalCdf, normalSf } from './normal.js';

export type Alternative = 'greater' | 'less' | 'two-sided';

export interface MannWhitneyResult {
  /** U of the first sample: #(x > y) + ½ #(x = y), as scipy.stats.mannwhitneyu reports it. */
  u: number;
  p: number;
  method: 'exact' | 'asymptotic';
  /** The normal score (asymptotic method only; continuity-corrected). */
  z?: number;
}

/** Largest n1·n2 for which the exact null distribution is used when there are no ties. */
export const EXACT_MAX_CELLS = 400;

const countsMemo = new Map<string, Float64Array>();

/**
 * Number of orderings of m x-values and n y-values giving each U (0..m·n). Recurrence on the largest value:
 * if it is an x it beats all n y's (adds n to U), otherwise it adds nothing. Counts stay exact in doubles up
 * to C(40,20) ≈ 1.4e11, far below 2^53.
 */
function uCounts(m: number, n: number): Float64Array {
  const key = `${m},${n}`;
  const hit = countsMemo.get(key);
  if (hit) return hit;
  let out: Float64Array;
  if (m === 0 || n === 0) {
    out = new Float64Array([1]);
  } else {
    const a = uCounts(m - 1, n);
    const b = uCounts(m, n - 1);
    out = new Float64Array(m * n + 1);
    for (let u = 0; u < a.length; u++) out[u + n]! += a[u]!;
    for (let u = 0; u < b.length; u++) out[u]! += b[u]!;
  }
  countsMemo.set(key, out);
  return out;
}

function exactTail(m: number, n: number, u: number, upper: boolean): number {
  const c = uCounts(m, n);
  let total = 0;
  let tail = 0;
  for (let k = 0; k < c.length; k++) {
    total += c[k]!;
    if (upper ? k >= u - 1e-9 : k <= u + 1e-9) tail += c[k]!;
  }
  return tail / total;
}

/** Midranks of the pooled sample and the tie term Σ(t³ − t). */
function rankPooled(x: readonly number[], y: readonly number[]): { rankSumX: number; tieTerm: number } {
  const pooled = [...x.map((v) => ({ v, isX: true })), ...y.map((v) => ({ v, isX: false }))].sort((a, b) => a.v - b.v);
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j + 1 < pooled.length && pooled[j + 1]!.v === pooled[i]!.v) j++;
    const t = j - i + 1;
    const midrank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (pooled[k]!.isX) rankSumX += midrank;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { rankSumX, tieTerm };
}

/**
 * Mann-Whitney U test (Wilcoxon rank-sum). 'greater' tests whether x tends to be larger than y.
 * Exact null distribution when there are no ties and n1·n2 ≤ EXACT_MAX_CELLS; otherwise the normal
 * approximation with tie correction and continuity correction (scipy's defaults).
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  alternative: Alternative,
  method: 'auto' | 'exact' | 'asymptotic' = 'auto',
): MannWhitneyResult {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) throw new RangeError('Mann-Whitney U needs at least one value on each side');
  const { rankSumX, tieTerm } = rankPooled(x, y);
  const u = rankSumX - (m * (m + 1)) / 2;
  const useExact = method === 'exact' || (method === 'auto' && tieTerm === 0 && m * n <= EXACT_MAX_CELLS);
  if (useExact) {
    const up = exactTail(m, n, u, true);
    const down = exactTail(m, n, u, false);
    const p = alternative === 'greater' ? up : alternative === 'less' ? down : Math.min(1, 2 * Math.min(up, down));
    return { u, p, method: 'exact' };
  }
  const big = m + n;
  const mu = (m * n) / 2;
  const variance = ((m * n) / 12) * (big + 1 - tieTerm / (big * (big - 1)));
  if (variance <= 0) return { u, p: 1, method: 'asymptotic', z: 0 };
  const s = Math.sqrt(variance);
  if (alternative === 'greater') {
    const z = (u - mu - 0.5) / s;
    return { u, p: normalSf(z), method: 'asymptotic', z };
  }
  if (alternative === 'less') {
    const z = (u - mu + 0.5) / s;
    return { u, p: normalCdf(z), method: 'asymptotic', z };
  }
  const z = (Math.abs(u - mu) - 0.5) / s;
  return { u, p: Math.min(1, 2 * normalSf(z)), method: 'asymptotic', z };
}
