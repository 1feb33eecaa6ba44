/**
 * The keep/revert decision: a group-sequential comparison of candidate and champion.
 *
 *   look k = 1..K at n_k = min(k·batch, maxBenchRuns) runs per side
 *   ┌──────────────────────────────────────────────────────────────────────────────────────┐
 *   │ sample until n_k (champion and candidate interleaved A B B A …, so linear drift cancels) │
 *   │ p⁺ = MWU(candidate − minImprovement ≻ champion)   ≤ α_k ──▶ promoted                   │
 *   │ p⁻ = MWU(candidate + maxRegression ≺ champion)    ≤ α_k ──▶ regression                 │
 *   │ z⁺ < futility_k and estimate ≥ −maxRegression          ──▶ kept-within-noise (stop)   │
 *   │ k = K: estimate ≥ −maxRegression ? kept-within-noise : inconclusive (policy decides)   │
 *   └──────────────────────────────────────────────────────────────────────────────────────┘
 *
 * α_k are increments of the power spending function α·t^ρ (t = n_k / maxBenchRuns). They sum to α, so by the
 * union bound the chance of any false promotion over all looks is ≤ α whatever the correlation between looks,
 * as long as the runs of an unchanged program are exchangeable. Futility stops only end looks early with
 * "not promoted", which can never add false promotions. The same function drives the loop (sample() runs the
 * benchmark) and bench/decision-quality (sample() draws from a synthetic distribution).
 */
import { bootstrapRelativeChange, relativeChangePct } from '../stats/bootstrap.js';
import { median } from '../stats/descriptive.js';
import { mannWhitneyU } from '../stats/mann-whitney.js';

export type Side = 'champion' | 'candidate';
export type Direction = 'higher' | 'lower';
export type DecisionOutcome = 'promoted' | 'kept-within-noise' | 'regression' | 'inconclusive' | 'no-metric';

export type SampleResult = { ok: true; value: number } | { ok: false; reason: string };

export interface DecisionParams {
  direction: Direction;
  alpha: number;
  /** A promotion must beat the champion by at least this much (%), with significance. */
  minImprovementPct: number;
  /** Worse than the champion by more than this (%), with significance, is a regression. */
  maxRegressionPct: number;
  /** Most runs per side. */
  maxBenchRuns: number;
  inconclusivePolicy: 'keep' | 'revert';
  /** Runs per side added at each look (the first look too). */
  batchRuns?: number;
  /** ρ of the spending function α·t^ρ; 1 spreads α evenly over the looks (Pocock-like), 3 back-loads it. */
  spendingRho?: number;
  /** Stop early ("not promoted") when the improvement z-score is below this at a look before the last… */
  futilityZ?: number;
  /** …and the "no worse than the tolerance" z-score is above this (so real regressions are not waved through). */
  safetyZ?: number;
  /** Seed of the reported bootstrap CI. */
  seed: number;
  bootstrapResamples?: number;
  /** --target: reached when the candidate median meets it (and the change is kept). */
  target?: number;
}

export interface Look {
  runsPerSide: number;
  alpha: number;
  pImprove: number;
  pRegress: number;
  zImprove: number;
  /** z-score of "candidate + maxRegression beats champion": large = clearly not a regression. */
  zNotRegress: number;
  estimatePct: number;
}

export interface Decision {
  outcome: DecisionOutcome;
  revert: boolean;
  /** Candidate runs taken. */
  runs: number;
  championRuns: number;
  candidate?: number;
  champion?: number;
  deltaPct?: number;
  ci?: [number, number];
  ciLevel?: number;
  looks: Look[];
  candidateValues: number[];
  championValues: number[];
  reason: string;
  targetReached: boolean;
}

export interface DecisionInput {
  params: DecisionParams;
  /** One benchmark run on a side. Not called for the champion when championValues is given. */
  sample: (side: Side) => Promise<SampleResult>;
  /** Stored champion runs (non-interleaved mode, for expensive benchmarks). */
  championValues?: readonly number[];
}

export const DEFAULT_BATCH_RUNS = 5;
export const DEFAULT_SPENDING_RHO = 1;
export const DEFAULT_FUTILITY_Z = 0.75;
export const DEFAULT_SAFETY_Z = 0.5;

/** Planned looks: runs per side at each, and the α spent there. */
export function lookSchedule(p: Pick<DecisionParams, 'alpha' | 'maxBenchRuns' | 'batchRuns' | 'spendingRho'>): Array<{ runsPerSide: number; alpha: number }> {
  const batch = Math.max(1, Math.min(p.batchRuns ?? DEFAULT_BATCH_RUNS, p.maxBenchRuns));
  const rho = p.spendingRho ?? DEFAULT_SPENDING_RHO;
  const out: Array<{ runsPerSide: number; alpha: number }> = [];
  let spent = 0;
  for (let n = batch; ; n += batch) {
    const runs = Math.min(n, p.maxBenchRuns);
    const total = p.alpha * (runs / p.maxBenchRuns) ** rho;
    out.push({ runsPerSide: runs, alpha: total - spent });
    spent = total;
    if (runs >= p.maxBenchRuns) return out;
  }
}

function meets(value: number, target: number, direction: Direction): boolean {
  return direction === 'higher' ? value >= target : value <= target;
}

/** Scores where larger is better, so both directions share one test. */
function scores(xs: readonly number[], direction: Direction, shift = 0): number[] {
  return xs.map((v) => (direction === 'higher' ? v : -v) + shift);
}

export function evaluateLook(candidate: readonly number[], champion: readonly number[], p: DecisionParams, alpha: number): Look {
  const champMedian = median(champion);
  const scale = Math.abs(champMedian);
  const h = scores(champion, p.direction);
  const improve = mannWhitneyU(scores(candidate, p.direction, (-p.minImprovementPct / 100) * scale), h, 'greater');
  const regress = mannWhitneyU(scores(candidate, p.direction, (p.maxRegressionPct / 100) * scale), h, 'less');
  const m = candidate.length;
  const n = champion.length;
  const sd = Math.sqrt((m * n * (m + n + 1)) / 12);
  const zImprove = (improve.u - (m * n) / 2) / sd;
  const zNotRegress = (regress.u - (m * n) / 2) / sd;
  return {
    runsPerSide: candidate.length,
    alpha,
    pImprove: improve.p,
    pRegress: regress.p,
    zImprove,
    zNotRegress,
    estimatePct: relativeChangePct(median(candidate), champMedian, p.direction),
  };
}

/** Pure classification of one look; undefined = take more runs. */
export function classify(look: Look, isLast: boolean, p: DecisionParams): { outcome: DecisionOutcome; reason: string } | undefined {
  const est = `${look.estimatePct >= 0 ? '+' : ''}${look.estimatePct.toFixed(2)} %`;
  if (look.pImprove <= look.alpha && look.estimatePct >= p.minImprovementPct) {
    return { outcome: 'promoted', reason: `better by ${est} (p=${look.pImprove.toPrecision(2)} ≤ α_k=${look.alpha.toPrecision(2)}, ${look.runsPerSide} runs/side)` };
  }
  if (look.pRegress <= look.alpha) {
    return { outcome: 'regression', reason: `worse by ${est} beyond the ${p.maxRegressionPct} % tolerance (p=${look.pRegress.toPrecision(2)} ≤ α_k=${look.alpha.toPrecision(2)})` };
  }
  const withinTolerance = look.estimatePct >= -p.maxRegressionPct;
  const isFutile = look.zImprove < (p.futilityZ ?? DEFAULT_FUTILITY_Z) && look.zNotRegress > (p.safetyZ ?? DEFAULT_SAFETY_Z);
  if (withinTolerance && (isLast || isFutile)) {
    return { outcome: 'kept-within-noise', reason: `change ${est} not distinguishable from noise (p=${look.pImprove.toPrecision(2)}, ${look.runsPerSide} runs/side)` };
  }
  if (isLast) {
    return { outcome: 'inconclusive', reason: `looks worse (${est}) but not significantly after ${look.runsPerSide} runs/side` };
  }
  return undefined;
}

export async function decideSequential(input: DecisionInput): Promise<Decision> {
  const p = input.params;
  const schedule = lookSchedule(p);
  const fixedChampion = input.championValues ? [...input.championValues] : undefined;
  if (fixedChampion && fixedChampion.length === 0) throw new RangeError('championValues must hold at least one run');
  const cand: number[] = [];
  const champ: number[] = fixedChampion ?? [];
  const looks: Look[] = [];
  let pair = 0;
  const base = { cand, champ, looks };
  for (let k = 0; k < schedule.length; k++) {
    const step = schedule[k]!;
    while (cand.length < step.runsPerSide) {
      // A B then B A: the second pair reverses the order, so a linear drift hits both sides equally.
      const order: Side[] = fixedChampion ? ['candidate'] : pair % 2 === 0 ? ['champion', 'candidate'] : ['candidate', 'champion'];
      pair++;
      for (const side of order) {
        const r = await input.sample(side);
        if (!r.ok) return finish(base, p, 'no-metric', `${side} run ${side === 'candidate' ? cand.length + 1 : champ.length + 1}: ${r.reason}`);
        (side === 'candidate' ? cand : champ).push(r.value);
      }
    }
    const look = evaluateLook(cand, champ, p, step.alpha);
    looks.push(look);
    const verdict = classify(look, k === schedule.length - 1, p);
    if (verdict) return finish(base, p, verdict.outcome, verdict.reason);
  }
  throw new Error('unreachable: the last look always classifies');
}

function finish(s: { cand: number[]; champ: number[]; looks: Look[] }, p: DecisionParams, outcome: DecisionOutcome, reason: string): Decision {
  const revert =
    outcome === 'regression' || outcome === 'no-metric' || (outcome === 'inconclusive' && p.inconclusivePolicy === 'revert');
  const d: Decision = {
    outcome,
    revert,
    runs: s.cand.length,
    championRuns: s.champ.length,
    looks: s.looks,
    candidateValues: [...s.cand],
    championValues: [...s.champ],
    reason,
    targetReached: false,
  };
  if (s.cand.length > 0 && s.champ.length > 0) {
    d.candidate = median(s.cand);
    d.champion = median(s.champ);
    d.deltaPct = relativeChangePct(d.candidate, d.champion, p.direction);
    if (p.bootstrapResamples !== 0 && s.cand.length > 1 && s.champ.length > 1) {
      const level = 1 - p.alpha;
      const ci = bootstrapRelativeChange(s.cand, s.champ, { direction: p.direction, level, resamples: p.bootstrapResamples ?? 2000, seed: p.seed });
      d.ci = [ci.lowPct, ci.highPct];
      d.ciLevel = level;
    }
    d.targetReached = !revert && p.target !== undefined && meets(d.candidate, p.target, p.direction);
  }
  return d;
}
