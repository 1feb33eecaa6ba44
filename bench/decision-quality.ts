/**
 * Decision quality by simulation: synthetic benchmarks whose true change is known, decided by the loop's own
 * decideSequential (imported, not copied) and by the peers' fixed designs. Prints one JSON object.
 *
 *   npm run bench:decision-quality [-- --trials 2000 --seed 1]
 *
 * Metric: a step time in ms (lower is better) around 100 with CV 3 %. "+5 %" means 5 % faster.
 */
import { decideSequential, lookSchedule, type DecisionParams, type Side } from '../src/core/measure/decide.js';
import { median } from '../src/core/stats/descriptive.js';
import { deriveSeed, mulberry32, type Prng } from '../src/core/stats/prng.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : dflt;
};
const TRIALS = arg('trials', 2000);
const SEED = arg('seed', 1);

/** A machine that returns one run's value for a side at global time t (runs since the baseline started). */
type Machine = (side: Side, t: number, rng: Prng) => number;

interface Scenario {
  name: string;
  trueChangePct: number;
  machine: Machine;
  /** Runs done by other iterations between the baseline and this decision (drift accumulates over them). */
  gapRuns: number;
}

const CV = 0.03;
const gaussian = (mu: number): Machine => (side, _t, rng) => {
  const m = side === 'candidate' ? mu : 100;
  return m * (1 + CV * rng.normal());
};
const heavyTailed = (mu: number): Machine => (side, _t, rng) => {
  const m = side === 'candidate' ? mu : 100;
  const base = m * (1 + CV * rng.normal());
  // 10 % of runs are hit by a slow outlier (GC pause, noisy neighbour): +25 % on average, exponential tail.
  return rng.next() < 0.1 ? base * (1 - 0.25 * Math.log(1 - rng.next())) : base;
};
const drifting = (mu: number, perRun: number): Machine => (side, t, rng) => gaussian(mu)(side, t, rng) * (1 - perRun * t);

const scenarios: Scenario[] = [
  { name: 'null-cv3', trueChangePct: 0, machine: gaussian(100), gapRuns: 0 },
  { name: 'improve-5pct', trueChangePct: 5, machine: gaussian(95), gapRuns: 0 },
  { name: 'slow-drift-null', trueChangePct: 0, machine: drifting(100, 0.0015), gapRuns: 30 },
  { name: 'heavy-tail-null', trueChangePct: 0, machine: heavyTailed(100), gapRuns: 0 },
  { name: 'heavy-tail-improve-5pct', trueChangePct: 5, machine: heavyTailed(95), gapRuns: 0 },
  { name: 'regress-5pct', trueChangePct: -5, machine: gaussian(105), gapRuns: 0 },
];

interface Trial {
  promoted: boolean;
  outcome: string;
  candidateRuns: number;
  totalRuns: number;
}

interface Design {
  name: string;
  describe: string;
  run(s: Scenario, rng: Prng, trial: number): Promise<Trial>;
}

/** Baseline as the peers take it: 5 runs of the champion at the start of the session. */
function peerBaseline(s: Scenario, rng: Prng): number {
  return median(Array.from({ length: 5 }, (_, i) => s.machine('champion', i, rng)));
}

function peerDesign(name: string, runs: number, thresholdPct: number, describe: string): Design {
  return {
    name,
    describe,
    async run(s, rng) {
      const base = peerBaseline(s, rng);
      const t0 = 5 + s.gapRuns;
      const cand = median(Array.from({ length: runs }, (_, i) => s.machine('candidate', t0 + i, rng)));
      const gainPct = ((base - cand) / base) * 100;
      const promoted = thresholdPct === 0 ? gainPct > 0 : gainPct >= thresholdPct;
      return { promoted, outcome: promoted ? 'promoted' : 'dropped', candidateRuns: runs, totalRuns: runs };
    },
  };
}

const baseParams: Omit<DecisionParams, 'seed'> = {
  direction: 'lower',
  alpha: 0.05,
  minImprovementPct: 0,
  maxRegressionPct: 2,
  maxBenchRuns: 20,
  inconclusivePolicy: 'revert',
  bootstrapResamples: 200,
};

function sequentialDesign(name: string, overrides: Partial<DecisionParams>, describe: string): Design {
  return {
    name,
    describe,
    async run(s, rng, trial) {
      let t = 5 + s.gapRuns;
      const d = await decideSequential({
        params: { ...baseParams, ...overrides, seed: trial },
        sample: async (side) => ({ ok: true, value: s.machine(side, t++, rng) }),
      });
      return { promoted: d.outcome === 'promoted', outcome: d.outcome, candidateRuns: d.runs, totalRuns: d.runs + d.championRuns };
    },
  };
}

const designs: Design[] = [
  sequentialDesign('gdnctl-sequential', {}, 'interleaved ABBA, looks every 5 runs/side up to 20, exact/normal MWU with α spent evenly over looks (Bonferroni), futility stop when z⁺ < 0.75 and no-regression z > 0.5'),
  peerDesign('single-run', 1, 0, 'autoresearch: one candidate run, keep if better than the baseline'),
  peerDesign('median5-threshold5', 5, 5, 'auto-optimize: median of 5 candidate runs, keep if ≥ 5 % better than the baseline median'),
  sequentialDesign('fixed-10', { maxBenchRuns: 10, batchRuns: 10 }, '10 interleaved runs per side, one MWU test at α = 0.05'),
];

const started = Date.now();
const results: Record<string, unknown> = {};
for (const design of designs) {
  const perScenario: Record<string, { promotedRate: number; meanRuns: number; meanTotalRuns: number; outcomes: Record<string, number> }> = {};
  for (const s of scenarios) {
    let promoted = 0;
    let runs = 0;
    let total = 0;
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < TRIALS; i++) {
      const rng = mulberry32(deriveSeed(SEED, `${s.name}/${i}`));
      const r = await design.run(s, rng, i);
      if (r.promoted) promoted++;
      runs += r.candidateRuns;
      total += r.totalRuns;
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    }
    perScenario[s.name] = { promotedRate: promoted / TRIALS, meanRuns: runs / TRIALS, meanTotalRuns: total / TRIALS, outcomes };
  }
  const rate = (n: string): number => perScenario[n]!.promotedRate;
  const nullNames = scenarios.filter((s) => s.trueChangePct <= 0).map((s) => s.name);
  const headline = ['null-cv3', 'improve-5pct', 'slow-drift-null', 'heavy-tail-null'];
  results[design.name] = {
    describe: design.describe,
    falseKeepRate: Math.max(...nullNames.map(rate)),
    falseKeepByScenario: Object.fromEntries(nullNames.map((n) => [n, rate(n)])),
    power: rate('improve-5pct'),
    powerHeavyTail: rate('heavy-tail-improve-5pct'),
    meanRuns: headline.reduce((a, n) => a + perScenario[n]!.meanRuns, 0) / headline.length,
    meanTotalRuns: headline.reduce((a, n) => a + perScenario[n]!.meanTotalRuns, 0) / headline.length,
    scenarios: perScenario,
  };
}

/**
 * --parallel K: K null candidates per round, each tested against the champion at α/K (src/core/parallel/plan.ts);
 * a round falsely promotes when any of them is promoted. Shown beside the same round without the split (α each).
 */
const PARALLEL_K = 4;
const PARALLEL_TRIALS = arg('parallel-trials', Math.max(200, Math.round(TRIALS / 2)));
async function parallelFalsePromotion(s: Scenario, alpha: number): Promise<number> {
  let rounds = 0;
  for (let i = 0; i < PARALLEL_TRIALS; i++) {
    const rng = mulberry32(deriveSeed(SEED, `parallel/${s.name}/${alpha}/${i}`));
    let any = false;
    for (let c = 0; c < PARALLEL_K; c++) {
      let t = 5 + s.gapRuns;
      const d = await decideSequential({ params: { ...baseParams, alpha, seed: i * PARALLEL_K + c }, sample: async (side) => ({ ok: true, value: s.machine(side, t++, rng) }) });
      if (d.outcome === 'promoted') any = true;
    }
    if (any) rounds++;
  }
  return rounds / PARALLEL_TRIALS;
}
const parallelNulls = scenarios.filter((s) => s.trueChangePct <= 0);
const parallelSplit: Record<string, number> = {};
const parallelUnsplit: Record<string, number> = {};
for (const s of parallelNulls) {
  parallelSplit[s.name] = await parallelFalsePromotion(s, baseParams.alpha / PARALLEL_K);
  parallelUnsplit[s.name] = await parallelFalsePromotion(s, baseParams.alpha);
}
const parallelRate = Math.max(...Object.values(parallelSplit));
results['gdnctl-parallel-k4'] = {
  describe: `${PARALLEL_K} null candidates per round, each decided by gdnctl-sequential at α/${PARALLEL_K}; a round falsely promotes when any one is promoted`,
  rounds: PARALLEL_TRIALS,
  falsePromotionRate: parallelRate,
  falsePromotionByScenario: parallelSplit,
  withoutAlphaSplit: { falsePromotionRate: Math.max(...Object.values(parallelUnsplit)), byScenario: parallelUnsplit },
};

const ours = results['gdnctl-sequential'] as { falseKeepRate: number; power: number; meanRuns: number };
const fixed10 = results['fixed-10'] as { meanRuns: number };
process.stdout.write(
  JSON.stringify(
    {
      bench: 'decision-quality',
      trials: TRIALS,
      seed: SEED,
      settings: { ...baseParams, cvPct: CV * 100, lookSchedule: lookSchedule(baseParams) },
      definitions: {
        falseKeepRate: 'max over scenarios with true change ≤ 0 of P(promoted)',
        power: 'P(promoted | true change +5 %, CV 3 %)',
        parallelFalsePromotionRate: 'max over null scenarios of P(a round of 4 null candidates promotes one), each tested at α/4',
        meanRuns: 'mean candidate runs per decision over null-cv3, improve-5pct, slow-drift-null, heavy-tail-null (champion runs equal for interleaved designs; see meanTotalRuns)',
      },
      targets: {
        falseKeepAtMost5pct: ours.falseKeepRate <= 0.05,
        powerAtLeast90pct: ours.power >= 0.9,
        fewerRunsThanFixed10: ours.meanRuns < fixed10.meanRuns,
        parallelK4FalsePromotionAtMost5pct: parallelRate <= 0.05,
      },
      designs: results,
      elapsedMs: Date.now() - started,
    },
    null,
    2,
  ) + '\n',
);
