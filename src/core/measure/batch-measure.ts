/**
 * The measurer's `--bench-on ray` paths: a decision as batches of interleaved runs (batch-plan.ts), a baseline
 * or a re-measured champion as one batch, each batch one Ray job (the RayBench port). Every run of every job
 * lands in the SampleLog (bench-samples.jsonl), warm-ups too.
 */
import type { RayBench, RayBenchBatchResult, RayBenchRun } from '../../ports/ray.js';
import type { Decision, DecisionParams } from './decide.js';
import { baselineBatch, decideInBatches, sampleFor, type BatchResult } from './batch-plan.js';
import { SampleLog, type Runs } from './sampling.js';

export interface BatchMeasureDeps {
  ray: RayBench;
  warmups: number;
  say: (msg: string) => void;
}

function logBatch(log: SampleLog, r: RayBenchBatchResult, runs: readonly RayBenchRun[]): void {
  for (const run of runs) {
    const s = r.samples.find((x) => x.run.side === run.side && x.run.index === run.index && x.run.warmup === run.warmup);
    if (!s) continue;
    log.add({
      side: run.side, n: run.index, warmup: run.warmup, attempt: 1, ok: s.ok,
      ...(s.ok ? { value: s.value, durationMs: s.durationMs } : { reason: s.reason }),
    });
  }
}

async function batch(deps: BatchMeasureDeps, log: SampleLog, jobs: string[], input: { head: string; championSha?: string; recordDir: string; signal?: AbortSignal | undefined }, runs: RayBenchRun[], n: number): Promise<BatchResult> {
  const measured = runs.filter((r) => !r.warmup).length;
  deps.say(`bench batch ${n} on ${deps.ray.label()}: ${measured} runs${runs.length > measured ? ` and ${runs.length - measured} warm-up` : ''} in one job`);
  const r = await deps.ray.runBatch({ ...input, runs, batch: n });
  jobs.push(r.submissionId);
  logBatch(log, r, runs);
  for (const s of r.samples) if (s.ok) deps.say(`${s.run.side} ${s.run.warmup ? 'warm-up' : 'run'} ${s.run.index}: ${s.value}${s.run.warmup ? ' (excluded)' : ''}`);
  return r;
}

/** Champion and candidate interleaved, in as many jobs as the rule needs. */
export async function compareInBatches(
  deps: BatchMeasureDeps,
  input: { head: string; championSha: string; iterDir: string; signal?: AbortSignal | undefined },
  params: DecisionParams,
): Promise<{ d: Decision; log: SampleLog; jobs: string[]; lastTail: string }> {
  const log = new SampleLog();
  const jobs: string[] = [];
  const { d, lastTail } = await decideInBatches({
    params,
    warmups: deps.warmups,
    runBatch: (runs, n) => batch(deps, log, jobs, { head: input.head, championSha: input.championSha, recordDir: input.iterDir, signal: input.signal }, runs, n),
  });
  return { d, log, jobs, lastTail };
}

/** N runs of the tree at `head` in one job (a baseline, a re-measured champion). */
export async function runsInOneBatch(
  deps: BatchMeasureDeps,
  input: { head: string; recordDir: string; n: number; signal?: AbortSignal | undefined },
  log: SampleLog,
): Promise<Runs & { lastTail: string }> {
  const runs = baselineBatch(input.n, deps.warmups);
  const r = await batch(deps, log, [], { head: input.head, recordDir: input.recordDir, signal: input.signal }, runs, 1);
  const values: number[] = [];
  const durationsMs: number[] = [];
  for (const run of runs.filter((x) => !x.warmup)) {
    const s = sampleFor(run, r, runs);
    if (!s.ok) return { ok: false, reason: `run ${run.index}/${input.n}: ${s.reason}`, lastTail: s.tail ?? '' };
    values.push(s.value);
    const own = r.samples.find((x) => !x.run.warmup && x.run.index === run.index);
    durationsMs.push(own?.ok ? own.durationMs : 0);
  }
  const warmupValues = r.samples.flatMap((s) => (s.run.warmup && s.ok ? [s.value] : []));
  return { ok: true, values, durationsMs, warmupValues, lastTail: '' };
}
