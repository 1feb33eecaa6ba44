/**
 * What a parallel run is made of, computed from the config alone (pure): K, the α each candidate is tested
 * at, and which iterations form which round. One global iteration number per candidate: round r holds the
 * numbers (r-1)·K+1 … r·K, slot k is number (r-1)·K+k, so `iter-NNN/` folders, GDNCTL_ITERATION and the
 * hill-climb log's headings stay as in a sequential run, and rounds = ⌈N/K⌉ for --iterations N.
 */
import { promotionReachability } from '../measure/reachability.js';

export const DEFAULT_MAX_PARALLEL = 8;

export interface ParallelValues {
  parallel?: number | undefined;
  maxParallel?: number | undefined;
  roundTimeoutMinutes?: number | undefined;
  candidateDirective?: string[] | undefined;
  planFirst?: boolean | undefined;
  bootstrapInfra?: boolean | undefined;
  bench?: string | undefined;
  alpha: number;
  maxBenchRuns: number;
}

export interface ParallelPlan {
  k: number;
  /** α each candidate is tested at against the champion (Bonferroni over the round's K comparisons). */
  alpha: number;
  roundTimeoutMs?: number | undefined;
  /** Directive pinned to slot k (index k-1); missing = chosen from the previous round. */
  pinned: string[];
}

export interface Slot {
  round: number;
  slot: number;
  iteration: number;
}

/** K from the config: 1 (a sequential run) unless --parallel says otherwise. */
export function parallelK(v: Pick<ParallelValues, 'parallel'>): number {
  return v.parallel ?? 1;
}

/** The usage errors of --parallel and its companions, one line each (exit 2 before anything is touched). */
export function parallelProblems(v: ParallelValues): string[] {
  const k = parallelK(v);
  const max = v.maxParallel ?? DEFAULT_MAX_PARALLEL;
  const problems: string[] = [];
  if (k < 1) return [`--parallel ${k} runs no candidate; pass --parallel 1 or more (1 = one candidate at a time)`];
  if (k > max) problems.push(`--parallel ${k} is above --max-parallel ${max}; lower --parallel or raise --max-parallel`);
  if (k === 1) {
    if (v.candidateDirective && v.candidateDirective.length > 0) problems.push('--candidate-directive needs --parallel 2 or more; drop it or pass --parallel K');
    return problems;
  }
  if (v.planFirst) problems.push('--parallel does not support --plan-first yet; drop one of the two');
  if (v.bootstrapInfra) problems.push('--parallel does not support --bootstrap-infra; run the bootstrap once without --parallel, then start the parallel run');
  const pinned = v.candidateDirective ?? [];
  if (pinned.length > k) problems.push(`--candidate-directive is given ${pinned.length} times for --parallel ${k}; give at most one per slot`);
  if (v.bench) {
    const p = alphaSplitProblem(v.alpha, v.maxBenchRuns, k);
    if (p) problems.push(p);
  }
  return problems;
}

const fmt = (x: number): string => String(Number(x.toPrecision(2)));

/** Each candidate is tested at α/K: refused when that rule cannot promote within --max-bench-runs. */
function alphaSplitProblem(alpha: number, maxBenchRuns: number, k: number): string | undefined {
  const r = promotionReachability({ alpha: alpha / k, maxBenchRuns });
  if (r.kind === 'workable') return undefined;
  const fixes = [
    ...(r.minMaxBenchRuns !== undefined ? [`--max-bench-runs ${r.minMaxBenchRuns}`] : []),
    ...(r.minAlpha !== undefined && r.minAlpha * k < 0.5 ? [`--alpha ${fmt(r.minAlpha * k)}`] : []),
    `a smaller --parallel`,
  ];
  return `with --parallel ${k} each candidate is tested against the champion at α/${k} = ${fmt(alpha / k)}, which cannot promote within --max-bench-runs ${maxBenchRuns}; pass ${fixes.join(' or ')}`;
}

export function parallelPlan(v: ParallelValues): ParallelPlan {
  const k = parallelK(v);
  return {
    k,
    alpha: v.alpha / k,
    ...(v.roundTimeoutMinutes !== undefined ? { roundTimeoutMs: Math.round(v.roundTimeoutMinutes * 60_000) } : {}),
    pinned: v.candidateDirective ?? [],
  };
}

export function roundOf(iteration: number, k: number): number {
  return Math.ceil(iteration / k);
}

export function slotOf(iteration: number, k: number): number {
  return ((iteration - 1) % k) + 1;
}

/** The candidates of `round` still to run: from `first` on (a resumed or continued run), up to `last`. */
export function roundSlots(round: number, k: number, first: number, last: number): Slot[] {
  const out: Slot[] = [];
  for (let slot = 1; slot <= k; slot++) {
    const iteration = (round - 1) * k + slot;
    if (iteration >= first && iteration <= last) out.push({ round, slot, iteration });
  }
  return out;
}

/** The branch a candidate's worktree is on: `gdnctl/<run>/r<round>-c<k>`. */
export function candidateBranch(runId: string, round: number, slot: number): string {
  return `gdnctl/${runId}/r${round}-c${slot}`;
}
