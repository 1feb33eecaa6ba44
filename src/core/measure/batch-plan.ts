/**
 * A decision measured in batches (`--bench-on ray`): each batch is one job that runs a list of runs on one host,
 * and the batch's samples go back through the same sequential rule (decide.ts) the run-by-run sites use.
 *
 *   taken = 0 ─▶ boundary = the first planned look past `taken` (lookSchedule) ─▶ the batch's runs:
 *        │        A B B A … from pair `taken` on (the pair order decideSequential itself uses), each side's
 *        │        warm-ups just before its first measured run of the batch (a job is a fresh process)
 *        └─▶ the job ─▶ its samples, side by side, into decideSequential ─▶ decided ─▶ done
 *                                                                   └─▶ wants more ─▶ taken = boundary, next batch
 *
 * A batch ends exactly at a look of the schedule, so the rule looks at batch boundaries only, and those are a
 * subset of the looks it already allows: its α spending and error control are unchanged (docs/decisions.md
 * "Issue 17 — bench on Ray"). A baseline (or a re-measured champion) is one batch of N runs of one tree.
 */
import type { RayBenchRun, RayBenchSample } from '../../ports/ray.js';
import { decideSequential, lookSchedule, type Decision, type DecisionParams, type SampleResult, type Side } from './decide.js';

export type { RayBenchRun, RayBenchSample } from '../../ports/ray.js';

/** Runs per side at the end of the batch that starts after `taken` runs per side; undefined past the last look. */
export function nextBoundary(params: Pick<DecisionParams, 'alpha' | 'maxBenchRuns' | 'batchRuns' | 'spendingRho'>, taken: number): number | undefined {
  return lookSchedule(params).find((l) => l.runsPerSide > taken)?.runsPerSide;
}

const warmupRuns = (side: RayBenchRun['side'], n: number): RayBenchRun[] => Array.from({ length: n }, (_, i) => ({ side, index: i + 1, warmup: true }));

/** The runs of the comparison batch after `taken` runs per side, in the order the job runs them. */
export function comparisonBatch(params: Pick<DecisionParams, 'alpha' | 'maxBenchRuns' | 'batchRuns' | 'spendingRho'>, taken: number, warmups: number): RayBenchRun[] {
  const boundary = nextBoundary(params, taken);
  if (boundary === undefined) return [];
  const runs: RayBenchRun[] = [];
  const warmed = new Set<Side>();
  for (let pair = taken; pair < boundary; pair++) {
    // A B then B A: the same order as decideSequential's, so drift cancels across the batch.
    const order: Side[] = pair % 2 === 0 ? ['champion', 'candidate'] : ['candidate', 'champion'];
    for (const side of order) {
      if (!warmed.has(side)) {
        warmed.add(side);
        runs.push(...warmupRuns(side, warmups));
      }
      runs.push({ side, index: pair + 1, warmup: false });
    }
  }
  return runs;
}

/** N runs of one tree (a baseline, a re-measured champion), warm-ups first. */
export function baselineBatch(n: number, warmups: number): RayBenchRun[] {
  return [...warmupRuns('baseline', warmups), ...Array.from({ length: n }, (_, i) => ({ side: 'baseline' as const, index: i + 1, warmup: false }))];
}

/** What one job gave back: a sample per run it finished, and why it stopped early when it did. */
export interface BatchResult {
  samples: RayBenchSample[];
  /** The job ended before every planned run reported (it failed, was stopped, timed out). */
  failure?: { reason: string; tail: string } | undefined;
}

/**
 * One planned run's sample from a batch result: its own, else the batch's failure. A failed warm-up of a side
 * fails that side's first measured run of the batch, as sampling.ts does run by run.
 */
export function sampleFor(run: RayBenchRun, r: BatchResult, planned: readonly RayBenchRun[]): SampleResult & { tail?: string } {
  const own = r.samples.find((s) => s.run.side === run.side && s.run.index === run.index && s.run.warmup === run.warmup);
  const warm = planned.filter((p) => p.side === run.side && p.warmup);
  const firstOfBatch = planned.find((p) => p.side === run.side && !p.warmup);
  if (!run.warmup && firstOfBatch?.index === run.index) {
    for (const w of warm) {
      const s = sampleFor(w, r, planned);
      if (!s.ok) return { ok: false, reason: `warm-up: ${s.reason}`, ...(s.tail !== undefined ? { tail: s.tail } : {}) };
    }
  }
  if (own) return own.ok ? { ok: true, value: own.value } : { ok: false, reason: own.reason, tail: own.tail };
  return { ok: false, reason: r.failure?.reason ?? 'the job reported no result for this run', tail: r.failure?.tail ?? '' };
}

export interface BatchedDecisionInput {
  params: DecisionParams;
  warmups: number;
  /** Run one batch as a job (`batch` counts from 1). */
  runBatch: (runs: RayBenchRun[], batch: number) => Promise<BatchResult>;
}

/**
 * The sequential rule over batches: decideSequential asks for samples side by side as always; when a side's
 * queue is empty (always at a look boundary, since a batch ends at one) the next batch runs.
 */
export async function decideInBatches(o: BatchedDecisionInput): Promise<{ d: Decision; batches: number; lastTail: string }> {
  const queues: Record<Side, Array<SampleResult & { tail?: string }>> = { champion: [], candidate: [] };
  let taken = 0;
  let batches = 0;
  let lastTail = '';
  const fill = async (): Promise<void> => {
    const runs = comparisonBatch(o.params, taken, o.warmups);
    if (runs.length === 0) throw new Error('unreachable: the last look always classifies');
    batches++;
    const r = await o.runBatch(runs, batches);
    for (const run of runs) if (!run.warmup) queues[run.side as Side].push(sampleFor(run, r, runs));
    taken = nextBoundary(o.params, taken)!;
  };
  const d = await decideSequential({
    params: o.params,
    sample: async (side) => {
      if (queues[side].length === 0) await fill();
      const s = queues[side].shift()!;
      if (!s.ok && s.tail) lastTail = s.tail;
      return s.ok ? { ok: true, value: s.value } : { ok: false, reason: s.reason };
    },
  });
  return { d, batches, lastTail };
}
