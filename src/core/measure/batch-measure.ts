/**
 * The measurer's `--bench-on ray` paths: a decision as batches of interleaved runs (batch-plan.ts), a baseline
 * or a re-measured champion as one batch, each batch one Ray job (the RayBench port). Every run of every job
 * lands in the SampleLog (bench-samples.jsonl), warm-ups too.
 *
 * Each job reports its host's snapshot. A decision job on a host whose fingerprint differs from the baseline's
 * (another TPU type, runtime or flags) stops the decision: its samples are discarded, the baseline and champion
 * are measured again on Ray (env-change.ts, the TPU site's rule) and the decision starts over.
 */
import type { BaselineRecord, EnvSnapshot } from '../../ports/bench.js';
import type { RayBench, RayBenchBatchResult, RayBenchRun } from '../../ports/ray.js';
import type { Decision, DecisionParams } from './decide.js';
import { baselineBatch, decideInBatches, sampleFor } from './batch-plan.js';
import { SampleLog, type Runs } from './sampling.js';

export interface BatchMeasureDeps {
  ray: RayBench;
  warmups: number;
  say: (msg: string) => void;
}

/** Re-baselines one decision may ask for before it gives up on a cluster whose host types keep changing. */
const MAX_HOST_CHANGES = 2;

/** What a decision checks each job's host against, and how it measures again after a change. */
export interface RayEnvGuard {
  baseline: () => Promise<BaselineRecord | undefined>;
  /** Baseline and champion measured again for the host of `snap` (measureAgainAfterEnvChange). */
  rebaseline: (base: BaselineRecord, snap: EnvSnapshot) => Promise<{ ok: true; note: string } | { ok: false; reason: string }>;
}

function logBatch(log: SampleLog, r: RayBenchBatchResult, runs: readonly RayBenchRun[], attempt: number): void {
  for (const run of runs) {
    const s = r.samples.find((x) => x.run.side === run.side && x.run.index === run.index && x.run.warmup === run.warmup);
    if (!s) continue;
    log.add({
      side: run.side, n: run.index, warmup: run.warmup, attempt, ok: s.ok,
      ...(s.ok ? { value: s.value, durationMs: s.durationMs } : { reason: s.reason }),
    });
  }
}

type BatchInput = { head: string; championSha?: string; treeDir?: string | undefined; recordDir: string; signal?: AbortSignal | undefined };

async function batch(deps: BatchMeasureDeps, log: SampleLog, jobs: string[], input: BatchInput, runs: RayBenchRun[], n: number, attempt = 1): Promise<RayBenchBatchResult> {
  const measured = runs.filter((r) => !r.warmup).length;
  deps.say(`bench batch ${n} on ${deps.ray.label()}: ${measured} runs${runs.length > measured ? ` and ${runs.length - measured} warm-up` : ''} in one job`);
  const r = await deps.ray.runBatch({ ...input, runs, batch: n });
  jobs.push(r.submissionId);
  logBatch(log, r, runs, attempt);
  for (const s of r.samples) if (s.ok) deps.say(`${s.run.side} ${s.run.warmup ? 'warm-up' : 'run'} ${s.run.index}: ${s.value}${s.run.warmup ? ' (excluded)' : ''}`);
  return r;
}

/** Champion and candidate interleaved, in as many jobs as the rule needs, on hosts like the baseline's. */
export async function compareInBatches(
  deps: BatchMeasureDeps,
  input: { head: string; championSha: string; iterDir: string; signal?: AbortSignal | undefined },
  params: DecisionParams,
  guard?: RayEnvGuard,
): Promise<{ d: Decision; log: SampleLog; jobs: string[]; lastTail: string; env?: EnvSnapshot | undefined; notes: string[] }> {
  const log = new SampleLog();
  const jobs: string[] = [];
  const notes: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const base = await guard?.baseline();
    let env: EnvSnapshot | undefined;
    let changed: EnvSnapshot | undefined;
    const { d, lastTail } = await decideInBatches({
      params,
      warmups: deps.warmups,
      runBatch: async (runs, n) => {
        const r = await batch(deps, log, jobs, { head: input.head, championSha: input.championSha, recordDir: input.iterDir, signal: input.signal }, runs, n, attempt);
        env ??= r.env;
        if (!r.env || !base?.envFingerprint || r.env.fingerprint === base.envFingerprint) return r;
        changed = r.env;
        return { ...r, samples: [], failure: { reason: `the Ray job's host changed (${base.envLabel ?? 'the baseline\'s host'} → ${r.env.label})`, tail: '' } };
      },
    });
    if (!changed || !base || !guard) return { d, log, jobs, lastTail, env, notes };
    log.discard(attempt);
    if (attempt > MAX_HOST_CHANGES) return { d, log, jobs, lastTail, env: changed, notes };
    const re = await guard.rebaseline(base, changed);
    if (!re.ok) return { d: { ...d, reason: re.reason }, log, jobs, lastTail, env: changed, notes };
    notes.push(re.note);
  }
}

/** N runs of the tree at `head` in one job (a baseline, a re-measured champion). */
export async function runsInOneBatch(
  deps: BatchMeasureDeps,
  input: { head: string; treeDir?: string | undefined; recordDir: string; n: number; signal?: AbortSignal | undefined },
  log: SampleLog,
): Promise<Runs & { lastTail: string; env?: EnvSnapshot | undefined }> {
  const runs = baselineBatch(input.n, deps.warmups);
  const r = await batch(deps, log, [], { head: input.head, treeDir: input.treeDir, recordDir: input.recordDir, signal: input.signal }, runs, 1);
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
  return { ok: true, values, durationsMs, warmupValues, lastTail: '', ...(r.env ? { env: r.env } : {}) };
}
