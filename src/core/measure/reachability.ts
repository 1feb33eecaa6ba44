/**
 * Can the keep/revert rule promote at all? At a look with n runs per side the exact one-sided Mann-Whitney test
 * cannot go below p = 1/C(2n, n) (every candidate run beats every champion run), and with one overlapping pair
 * p = 2/C(2n, n). When the α a look spends (lookSchedule, decide.ts) is below that, the look can never promote, or
 * only on a perfect split that one outlier run defeats. A rule none of whose looks tolerates one overlapping pair
 * is refused before the loop starts (docs/decisions.md "Decision rules that cannot promote"), with the smallest
 * --alpha and --max-bench-runs that would work.
 */
import { lookSchedule, type DecisionParams } from './decide.js';

type RuleParams = Pick<DecisionParams, 'alpha' | 'maxBenchRuns' | 'batchRuns' | 'spendingRho'>;

export interface LookReach {
  runsPerSide: number;
  /** α spent at this look. */
  alpha: number;
  /** Smallest exact p with n runs per side: a perfect split, 1/C(2n, n). */
  perfectSplitP: number;
  /** The p with one overlapping pair, 2/C(2n, n) (1 for a single run per side). */
  oneOverlapP: number;
}

export type Reachability =
  | { kind: 'workable'; looks: LookReach[] }
  | {
      /** never: no look can promote; perfect-split-only: only a perfect split at some look can. */
      kind: 'never' | 'perfect-split-only';
      looks: LookReach[];
      /** Smallest --alpha (below 0.5, two significant digits) that works with the same --max-bench-runs. */
      minAlpha?: number;
      /** Smallest --max-bench-runs (up to maxRunsLimit) that works with the same --alpha. */
      minMaxBenchRuns?: number;
    };

/** C(2n, n) as a float (exact below n = 30, and within rounding far beyond, up to n = 500). */
function centralBinomial(n: number): number {
  let c = 1;
  for (let k = 1; k <= n; k++) c = (c * (n + k)) / k;
  return c;
}

export function lookReach(p: RuleParams): LookReach[] {
  return lookSchedule(p).map(({ runsPerSide: n, alpha }) => {
    const c = centralBinomial(n);
    return { runsPerSide: n, alpha, perfectSplitP: 1 / c, oneOverlapP: n === 1 ? 1 : 2 / c };
  });
}

// A relative tolerance, so an α equal to the bound (α = 0.05 at 3 vs 3 runs, p = 1/20) is not refused by rounding.
const reaches = (alpha: number, p: number): boolean => alpha >= p * (1 - 1e-9);
const isWorkable = (looks: readonly LookReach[]): boolean => looks.some((l) => reaches(l.alpha, l.oneOverlapP));

function ceilSignificant(x: number, digits: number): number {
  const scale = 10 ** (Math.floor(Math.log10(x)) - digits + 1);
  return Number((Math.ceil(x / scale - 1e-9) * scale).toPrecision(digits));
}

export function promotionReachability(p: RuleParams, maxRunsLimit = 200): Reachability {
  const looks = lookReach(p);
  if (isWorkable(looks)) return { kind: 'workable', looks };
  const kind = looks.some((l) => reaches(l.alpha, l.perfectSplitP)) ? 'perfect-split-only' : 'never';
  // α scales every look's spend alike, so the smallest workable α makes the cheapest look reach its bound.
  const needed = Math.min(...looks.map((l) => (l.oneOverlapP * p.alpha) / l.alpha));
  const alpha = ceilSignificant(needed, 2);
  const minAlpha = alpha < 0.5 && isWorkable(lookReach({ ...p, alpha })) ? alpha : undefined;
  let minMaxBenchRuns: number | undefined;
  for (let n = 1; n <= maxRunsLimit && minMaxBenchRuns === undefined; n++) if (isWorkable(lookReach({ ...p, maxBenchRuns: n }))) minMaxBenchRuns = n;
  return { kind, looks, ...(minAlpha !== undefined ? { minAlpha } : {}), ...(minMaxBenchRuns !== undefined ? { minMaxBenchRuns } : {}) };
}

const fmt = (x: number): string => String(Number(x.toPrecision(2)));
const runs = (n: number): string => `${n} run${n === 1 ? '' : 's'}/side`;
/** The exact bound as the fraction it is while that stays short (2/252), else a decimal. */
const bound = (l: LookReach, perfect: boolean): string => {
  const c = Math.round(1 / l.perfectSplitP);
  if (!perfect && l.runsPerSide === 1) return '1';
  return c < 1e7 ? `${perfect ? 1 : 2}/${c}` : fmt(perfect ? l.perfectSplitP : l.oneOverlapP);
};

/** The one-line refusal, or undefined when some look can promote with an overlapping pair. */
export function reachabilityProblem(p: RuleParams, maxRunsLimit = 200): string | undefined {
  const r = promotionReachability(p, maxRunsLimit);
  if (r.kind === 'workable') return undefined;
  const never = r.kind === 'never';
  const spent = r.looks.map((l) => `${fmt(l.alpha)} at ${runs(l.runsPerSide)}`).join(', ');
  const bounds = r.looks.map((l) => `${bound(l, never)} at ${runs(l.runsPerSide)}`).join(', ');
  const what = never
    ? `can never promote: the α it spends per look (${spent}) is below the smallest p the exact Mann-Whitney test reaches there (${bounds})`
    : `can promote only if every candidate run beats every champion run, which one outlier run defeats: the α it spends per look (${spent}) is below the exact Mann-Whitney p with one overlapping pair (${bounds})`;
  const fixes = [
    ...(r.minAlpha !== undefined ? [`--alpha ${r.minAlpha} (with this --max-bench-runs)`] : []),
    ...(r.minMaxBenchRuns !== undefined ? [`--max-bench-runs ${r.minMaxBenchRuns} (with this --alpha)`] : []),
  ];
  const fix = fixes.length > 0 ? `the smallest values that work are ${fixes.join(' or ')}` : 'raise --alpha and --max-bench-runs';
  return `the keep/revert rule --alpha ${p.alpha} --max-bench-runs ${p.maxBenchRuns} ${what}; ${fix}`;
}
