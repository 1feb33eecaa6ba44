/**
 * Can the keep/revert rule promote? At a look with n runs per side the exact one-sided Mann-Whitney test cannot go
 * below p = 1/C(2n, n): every candidate run beats every champion run. A look whose α (lookSchedule, decide.ts) is
 * below that can never promote. A rule whose last look, the one with the most runs, cannot promote is refused before
 * the loop starts: it can never promote at all, or only on a perfect split at an earlier, smaller look, which one
 * outlier run defeats (docs/decisions.md "Decision rules that cannot promote"). The refusal names the smallest
 * --alpha and --max-bench-runs that would work.
 */
import { lookSchedule, type DecisionParams } from './decide.js';

type RuleParams = Pick<DecisionParams, 'alpha' | 'maxBenchRuns' | 'batchRuns' | 'spendingRho'>;

export interface LookReach {
  runsPerSide: number;
  /** α spent at this look. */
  alpha: number;
  /** Smallest exact p with n runs per side, a perfect split: 1/C(2n, n). */
  perfectSplitP: number;
  /** α reaches perfectSplitP: a perfect split at this look promotes. */
  canPromote: boolean;
}

export type Reachability =
  | { kind: 'workable'; looks: LookReach[] }
  | {
      /** never: no look can promote; last-look-dead: only an earlier look can, on a perfect split. */
      kind: 'never' | 'last-look-dead';
      looks: LookReach[];
      /** Smallest --alpha (below 0.5, two significant digits) that works with the same --max-bench-runs. */
      minAlpha?: number;
      /** Smallest --max-bench-runs above the given one (up to maxRunsLimit) that works with the same --alpha. */
      minMaxBenchRuns?: number;
    };

/** C(2n, n) as a float (exact below n = 30, and within rounding far beyond). */
function centralBinomial(n: number): number {
  let c = 1;
  for (let k = 1; k <= n; k++) c = (c * (n + k)) / k;
  return c;
}

// A relative tolerance, so an α equal to the bound (α = 0.05 at 3 vs 3 runs, p = 1/20) is not refused by rounding.
const reaches = (alpha: number, p: number): boolean => alpha >= p * (1 - 1e-9);

export function lookReach(p: RuleParams): LookReach[] {
  return lookSchedule(p).map(({ runsPerSide: n, alpha }) => {
    const perfectSplitP = 1 / centralBinomial(n);
    return { runsPerSide: n, alpha, perfectSplitP, canPromote: reaches(alpha, perfectSplitP) };
  });
}

const isWorkable = (looks: readonly LookReach[]): boolean => looks[looks.length - 1]!.canPromote;

function ceilSignificant(x: number, digits: number): number {
  const scale = 10 ** (Math.floor(Math.log10(x)) - digits + 1);
  return Number((Math.ceil(x / scale - 1e-9) * scale).toPrecision(digits));
}

export function promotionReachability(p: RuleParams, maxRunsLimit = 200): Reachability {
  const looks = lookReach(p);
  if (isWorkable(looks)) return { kind: 'workable', looks };
  const kind = looks.some((l) => l.canPromote) ? 'last-look-dead' : 'never';
  // α scales every look's spend alike: the smallest workable α lifts the last look to its bound.
  const last = looks[looks.length - 1]!;
  const alpha = ceilSignificant((last.perfectSplitP * p.alpha) / last.alpha, 2);
  const minAlpha = alpha < 0.5 && isWorkable(lookReach({ ...p, alpha })) ? alpha : undefined;
  let minMaxBenchRuns: number | undefined;
  for (let n = p.maxBenchRuns + 1; n <= maxRunsLimit && minMaxBenchRuns === undefined; n++) if (isWorkable(lookReach({ ...p, maxBenchRuns: n }))) minMaxBenchRuns = n;
  return { kind, looks, ...(minAlpha !== undefined ? { minAlpha } : {}), ...(minMaxBenchRuns !== undefined ? { minMaxBenchRuns } : {}) };
}

const fmt = (x: number): string => String(Number(x.toPrecision(2)));
const runs = (n: number): string => `${n} run${n === 1 ? '' : 's'}/side`;
/** The exact bound as the fraction it is while that stays short (1/924), else a decimal. */
const bound = (l: LookReach): string => {
  const c = Math.round(1 / l.perfectSplitP);
  return c < 1e7 ? `1/${c}` : fmt(l.perfectSplitP);
};

/** The one-line refusal, or undefined when the rule's last look can promote. */
export function reachabilityProblem(p: RuleParams, maxRunsLimit = 200): string | undefined {
  const r = promotionReachability(p, maxRunsLimit);
  if (r.kind === 'workable') return undefined;
  const spent = r.looks.map((l) => `${fmt(l.alpha)} at ${runs(l.runsPerSide)}`).join(', ');
  const bounds = r.looks.map((l) => `${bound(l)} at ${runs(l.runsPerSide)}`).join(', ');
  const last = r.looks[r.looks.length - 1]!;
  const early = r.looks.filter((l) => l.canPromote).map((l) => runs(l.runsPerSide));
  const what =
    r.kind === 'never'
      ? `can never promote: the α it spends per look (${spent}) is below the smallest p the exact Mann-Whitney test reaches there (${bounds})`
      : `cannot promote at its last look: it spends α ${fmt(last.alpha)} at ${runs(last.runsPerSide)}, below ${bound(last)}, the smallest p the exact Mann-Whitney test reaches there; ` +
        `only a perfect split (every candidate run beating every champion run) at ${early.join(' or ')} can promote, and one outlier run defeats that`;
  const fixes = [
    ...(r.minAlpha !== undefined ? [`--alpha ${r.minAlpha} (with this --max-bench-runs)`] : []),
    ...(r.minMaxBenchRuns !== undefined ? [`--max-bench-runs ${r.minMaxBenchRuns} (with this --alpha)`] : []),
  ];
  const fix = fixes.length > 0 ? `the smallest values that work are ${fixes.join(' or ')}` : 'raise --alpha and --max-bench-runs';
  return `the keep/revert rule --alpha ${p.alpha} --max-bench-runs ${p.maxBenchRuns} ${what}; ${fix}`;
}
