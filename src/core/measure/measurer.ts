/**
 * The keep/revert policy: the Measurer the loop calls, over narrow ports (src/ports/bench.ts) that only run the
 * benchmark, sync trees and store files. One policy for both sites (`--bench-on`): this machine, or the TPU.
 *
 *   ensureBaseline ─▶ runs/<id>/baseline/ complete? ─no─▶ baselines/<fingerprint>/ complete? ─no─▶ N runs,
 *        │            (TPU: measured on another type/runtime? ─▶ measure baseline and champion again)  refused if noisy
 *        └─▶ no champion.json yet: the baseline is the champion (iteration 0)
 *   decide ─▶ TPU: sync the candidate tree, env changed? ─▶ re-baseline; A B B A against the champion tree,
 *        │        always; a run that failed because the TPU went away ─▶ re-acquired, samples discarded, again
 *        ├─ local, interleaved? (a cheap benchmark, or no stored runs of that champion)
 *        │   ├─yes─▶ A B B A against a checkout of the champion; a champion that cannot run in its checkout
 *        │   │       falls back to its stored runs
 *        │   └─no──▶ candidate runs against the champion's stored runs
 *        ─▶ iter-NNN/bench.json and result.txt; promoted ─▶ champion.json = the candidate
 *   remeasureChampion (after a sync-main merge) ─▶ N runs of the merge commit are the champion's runs
 *
 * Warm-ups and tpu-busy retries are sampling.ts's; the statistics are decide.ts's; the baseline's noise check
 * and files are baseline.ts's; a TPU that changed under the run is env-change.ts's.
 */
import { join } from 'node:path';
import type { BaselineRecord, BenchSample, BenchSite, Champion, EnvSnapshot, MeasureDecision, Measurer } from '../../ports/bench.js';
import { decisionParams, localSite, type BaselineOutcome, type BenchMeasurer, type MeasurePolicy, type MeasurerPorts } from './measure-policy.js';
import { baselineFingerprint, baselineRecord, checkNoise, formatResultTxt } from './baseline.js';
import { decideSequential, type Decision, type DecisionParams, type SampleResult, type Side } from './decide.js';
import { SampleLog, sideSampler, type Runs, type SampleSide } from './sampling.js';
import { measureAgainAfterEnvChange } from './env-change.js';
import { measureRecovering } from './recovery.js';
import { writeDecisionFiles } from './decision-files.js';
import { cvPct, median } from '../stats/descriptive.js';
import { faultPoint } from '../../fault.js';
import { compareInBatches, runsInOneBatch, type BatchMeasureDeps } from './batch-measure.js';
import { rayEnvGuard, type RayRuns } from './ray-env-guard.js';

export { localSite, type BaselineOutcome, type BenchMeasurer, type MeasurePolicy, type MeasurerPorts } from './measure-policy.js';

const NO_BENCH = 'no --bench command configured';

type DecideInput = Parameters<Measurer['decide']>[0];
type Compared = { d: Decision; interleaved: boolean; log?: SampleLog; notes: string[] };

export function createBenchMeasurer(policy: MeasurePolicy, ports: MeasurerPorts): BenchMeasurer {
  const say = ports.onLine ?? (() => undefined);
  const redact = ports.redact ?? ((t: string) => t);
  const bench = policy.bench;
  const site: BenchSite = ports.site ?? localSite(ports.repoRoot);
  const onTpu = site.where === 'tpu';
  const busyWaitMs = ports.busyWaitMs ?? 10_000;
  let runDir: string | undefined;
  // The last failed run's output, redacted: it ends up in bench.json and result.txt of a no-metric decision.
  let lastTail = '';
  let lastFailure: Extract<BenchSample, { ok: false }> | undefined;
  // An env change ensureBaseline measured again for: the next decision's reason says so.
  let pendingNote: string | undefined;
  let snapCache: { head: string; snap: EnvSnapshot } | undefined;
  // --bench-on ray: measurements go to batch-measure.ts as Ray jobs; warm-ups as on the TPU (a job is a fresh host process).
  const onRay: BatchMeasureDeps | undefined = ports.rayBench ? { ray: ports.rayBench, warmups: policy.benchWarmupRuns ?? 1, say } : undefined;

  const run = (cwd: string, signal?: AbortSignal) => async (): Promise<BenchSample> => {
    if (!bench) return { ok: false, reason: NO_BENCH, tail: '' };
    const r = await ports.bench.run(cwd, signal);
    if (!r.ok) {
      lastTail = redact(r.tail);
      lastFailure = r;
    }
    return r.workers ? { ...r, workers: r.workers.map((w) => ({ ...w, tail: redact(w.tail) })) } : r;
  };
  const sampler = (side: SampleSide, cwd: string, attempt: number, log: SampleLog, signal?: AbortSignal) =>
    sideSampler({
      side, attempt, log, run: run(cwd, signal), onLine: say,
      warmups: policy.benchWarmupRuns ?? (onTpu ? 1 : 0),
      busyRetries: ports.busyRetries ?? 2,
      wait: () => (busyWaitMs > 0 ? new Promise((r) => setTimeout(r, busyWaitMs)) : Promise.resolve()),
    });
  const recovering = <T>(what: string, log: SampleLog, signal: AbortSignal | undefined, fn: (attempt: number) => Promise<{ failed: boolean; value: T }>) =>
    measureRecovering(what, {
      site, log, signal, say,
      failedRun: () => lastFailure,
      resetFailure: () => (lastFailure = undefined),
      onReplaced: () => (snapCache = undefined),
    }, fn);
  const failed = (r: { ok: boolean }): boolean => !r.ok && lastFailure !== undefined;
  const fingerprint = (head: string, env?: string): string =>
    baselineFingerprint({ head, bench: bench!, direction: policy.direction, metric: policy.metric, metricPattern: policy.metricPattern, env });
  const readChampion = async (): Promise<Champion | undefined> => (runDir ? ports.champions.read(runDir) : undefined);

  /** On the TPU: the snapshot taken on worker 0 with the candidate tree at `head` (cached for the operation). */
  async function describe(head: string, signal?: AbortSignal): Promise<EnvSnapshot | undefined> {
    if (!ports.envSnapshot.describe) return undefined;
    if (snapCache?.head === head) return snapCache.snap;
    await site.candidateTree(head, signal);
    const snap = await ports.envSnapshot.describe(head, signal);
    snapCache = { head, snap: { ...snap, text: redact(snap.text) } };
    return snapCache.snap;
  }

  async function measureRuns(cwd: string, n: number, log: SampleLog, attempt: number, signal?: AbortSignal): Promise<Runs> {
    const values: number[] = [];
    const durationsMs: number[] = [];
    const next = sampler('baseline', cwd, attempt, log, signal);
    for (let i = 0; i < n; i++) {
      const r = await next();
      if (!r.ok) return { ok: false, reason: `run ${i + 1}/${n}: ${r.reason}${lastTail ? `\n--- output tail ---\n${lastTail}` : ''}` };
      values.push(r.value);
      durationsMs.push(r.durationMs);
      faultPoint('during-baseline');
      say(`baseline run ${i + 1}/${n}: ${r.value}`);
    }
    return { ok: true, values, durationsMs, warmupValues: log.warmups().filter((w) => w.attempt === attempt && w.value !== undefined).map((w) => w.value!) };
  }

  const record = (head: string, r: Extract<Runs, { ok: true }>, acceptedNoise: boolean, snap: EnvSnapshot | undefined): BaselineRecord =>
    baselineRecord({
      ...r, head, acceptedNoise,
      fingerprint: fingerprint(head, snap?.fingerprint),
      bench: bench!,
      metric: policy.metric ?? policy.metricPattern ?? '(only GDNCTL_METRIC key)',
      direction: policy.direction,
      cvThresholdPct: policy.cvThresholdPct,
      createdAt: (ports.now?.() ?? new Date()).toISOString(),
      env: snap,
    });

  async function measureBaseline(dir: string, head: string, signal?: AbortSignal): Promise<BaselineOutcome> {
    if (!bench) return { ok: false, reason: NO_BENCH };
    const log = new SampleLog();
    const { value: got, notes } = await recovering('baseline', log, signal, async (attempt) => {
      const snap = await describe(head, signal);
      const r = onRay ? await rayRuns(head, dir, log, signal) : await measureRuns(await site.candidateTree(head, signal), policy.baselineRuns, log, attempt, signal);
      // On Ray the job reports its own host's snapshot.
      return { failed: failed(r), value: { r, snap: snap ?? (r as RayRuns).env } };
    });
    const { r, snap } = got;
    if (onTpu || onRay) await ports.files.write(join(dir, 'samples.jsonl'), log.toJsonl());
    if (!r.ok) return { ok: false, reason: `baseline failed: ${r.reason}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}` };
    const noise = checkNoise(r.values, policy.cvThresholdPct, policy.acceptNoise);
    if (!noise.ok) return { ok: false, reason: noise.message };
    const rec = record(head, r, noise.accepted, snap);
    const extra: Record<string, string> = { Metric: `${rec.metric} (${rec.direction} is better)`, CV: `${rec.cvPct.toFixed(2)} %` };
    if (rec.acceptedNoise) extra['Noise'] = `accepted with --accept-noise above ${rec.cvThresholdPct} %`;
    if (snap) extra['Measured on'] = `${onRay ? onRay.ray.label() : site.label()} (${snap.label})`;
    if (r.warmupValues.length > 0) extra['Warm-up (excluded)'] = r.warmupValues.join(' ');
    const envSnapshot = snap ? snap.text : redact(await ports.envSnapshot.snapshot(head));
    await ports.baselines.write(dir, { record: rec, resultTxt: formatResultTxt(rec.values, extra), envSnapshot });
    return { ok: true, record: rec, dir };
  }

  /** --bench-on ray: N runs of `head` in one job; the failed run's tail is kept like a local run's. */
  async function rayRuns(head: string, recordDir: string, log: SampleLog, signal?: AbortSignal, treeDir?: string): Promise<RayRuns> {
    const r = await runsInOneBatch(onRay!, { head, treeDir, recordDir, n: policy.baselineRuns, signal }, log);
    if (!r.ok) lastTail = redact(r.lastTail);
    return r.ok ? r : { ok: false, reason: `${r.reason}${lastTail ? `\n--- output tail ---\n${lastTail}` : ''}` };
  }

  /** --bench-on ray: champion and candidate interleaved in batches, each one job on one host. */
  async function compareOnRay(input: DecideInput, params: DecisionParams): Promise<Compared & { jobs: string[]; log: SampleLog; env?: EnvSnapshot | undefined }> {
    const own = join(runDir!, 'baseline');
    const { d, log, jobs, lastTail: tail, env, notes } = await compareInBatches(onRay!, input, params, rayEnvGuard({
      own, runDir: runDir!, repoRoot: ports.repoRoot, head: input.head, iterDir: input.iterDir, say,
      ports: { worktrees: ports.worktrees, baselines: ports.baselines, champions: ports.champions },
      runs: (head, recordDir, treeDir) => rayRuns(head, recordDir, new SampleLog(), input.signal, treeDir),
      record: (head, r, snap) => record(head, r, cvPct(r.values) > policy.cvThresholdPct, snap),
    }));
    if (d.outcome === 'no-metric') lastTail = redact(tail);
    return { d, interleaved: true, log, notes, jobs, env };
  }

  /** Interleave when the benchmark is cheap (--interleave auto: its baseline runs took < 30 s each). */
  async function isCheap(): Promise<boolean> {
    if (policy.interleave !== 'auto') return policy.interleave === 'on';
    const b = runDir ? await ports.baselines.read(join(runDir, 'baseline')) : undefined;
    return b !== undefined && median(b.durationsMs) < (ports.cheapRunMs ?? 30000);
  }

  /** On the TPU: the baseline was measured on another type or runtime? Then measure baseline and champion again. */
  async function envCheck(head: string, cwd: string, log: SampleLog, attempt: number, signal?: AbortSignal): Promise<{ ok: true; note?: string } | { ok: false; reason: string }> {
    const snap = await describe(head, signal);
    const own = runDir ? join(runDir, 'baseline') : undefined;
    const base = own ? await ports.baselines.read(own) : undefined;
    if (!snap || !base?.envFingerprint || base.envFingerprint === snap.fingerprint) return { ok: true };
    return measureAgainAfterEnvChange({
      base, snap, head, candidateDir: cwd, baselineDir: own!, runDir: runDir!, say,
      ports: { worktrees: ports.worktrees, baselines: ports.baselines, champions: ports.champions },
      measure: (dir) => measureRuns(dir, policy.baselineRuns, log, attempt, signal),
      record: (r) => record(base.head, r, cvPct(r.values) > policy.cvThresholdPct, snap),
    });
  }

  /** On the TPU: always A B B A in the two trees synced side by side, measured again if the TPU was lost. */
  async function compareOnTpu(input: DecideInput, params: DecisionParams): Promise<Compared> {
    const log = new SampleLog();
    const { value, notes } = await recovering('decision', log, input.signal, async (attempt) => {
      const candDir = await site.candidateTree(input.head, input.signal);
      const env = await envCheck(input.head, candDir, log, attempt, input.signal);
      if (!env.ok) return { failed: lastFailure !== undefined, value: { d: noMetric(env.reason), note: undefined } };
      const d = await ports.worktrees.withCheckout(input.championSha, async (champDir) => {
        const cand = sampler('candidate', candDir, attempt, log, input.signal);
        const champ = sampler('champion', champDir, attempt, log, input.signal);
        return decideSequential({ params, sample: async (side: Side) => toResult(await (side === 'candidate' ? cand() : champ())) });
      });
      return { failed: d.outcome === 'no-metric' && lastFailure !== undefined, value: { d, note: env.note } };
    });
    const all = [pendingNote, value.note, ...notes].filter((n): n is string => n !== undefined);
    pendingNote = undefined;
    return { d: value.d, interleaved: true, log, notes: all };
  }

  async function compareLocal(input: DecideInput, params: DecisionParams, champ: Champion | undefined): Promise<Compared> {
    const canReuse = champ !== undefined && champ.sha === input.championSha;
    const log = new SampleLog();
    const candidate = sampler('candidate', ports.repoRoot, 1, log, input.signal);
    const againstStored = async (): Promise<Compared> => ({
      d: await decideSequential({ params, sample: async () => toResult(await candidate()), championValues: champ!.values }),
      interleaved: false,
      notes: [],
    });
    if (!(await isCheap()) && canReuse) return againstStored();
    const d = await ports.worktrees.withCheckout(input.championSha, async (champDir) => {
      const championSample = sampler('champion', champDir, 1, log, input.signal);
      return decideSequential({ params, sample: async (side: Side) => toResult(await (side === 'candidate' ? candidate() : championSample())) });
    });
    // A fresh checkout lacks untracked build state (.venv, compiled extensions); a champion that cannot run
    // there must not get the candidate reverted. Fall back to the champion's stored runs.
    if (d.outcome === 'no-metric' && d.reason.startsWith('champion') && canReuse && !input.signal?.aborted) {
      say(`champion could not run in its worktree (${d.reason.split('\n')[0]}); comparing with its stored runs instead`);
      lastTail = '';
      return againstStored();
    }
    return { d, interleaved: true, notes: [] };
  }

  async function ensureBaseline(dir: string, head: string, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; reason: string }> {
    runDir = dir;
    const own = join(dir, 'baseline');
    let rec = await ports.baselines.read(own);
    if (rec?.envFingerprint && bench && onTpu) {
      // A resumed run on a TPU of another type or runtime: measure again before the next decision.
      const env = await envCheck(head, await site.candidateTree(head, signal), new SampleLog(), 1, signal);
      if (!env.ok) return env;
      pendingNote = env.note;
      rec = await ports.baselines.read(own);
    }
    if (!rec && bench) {
      const fp = fingerprint(head, (await describe(head, signal))?.fingerprint);
      const standalone = join(policy.logDir, 'baselines', fp);
      // On Ray the key has no host until a job ran: a `gdnctl baseline` of this machine is never the Ray host's.
      if (!onRay && (await ports.baselines.read(standalone))) {
        await ports.baselines.copy(standalone, own);
        rec = await ports.baselines.read(own);
        say(`reusing baseline ${fp} (same HEAD, bench command and metric${onTpu ? ', same TPU type and runtime' : ''})`);
      } else {
        const m = await measureBaseline(own, head, signal);
        if (!m.ok) return { ok: false, reason: m.reason };
        rec = m.record;
      }
    }
    if (!rec) return { ok: false, reason: NO_BENCH };
    if (!(await readChampion())) await ports.champions.write(dir, { sha: rec.head, values: rec.values, median: rec.median, iteration: 0, source: 'baseline' });
    return { ok: true };
  }

  async function decide(input: DecideInput): Promise<MeasureDecision> {
    if (!runDir) throw new Error('Measurer.decide called before ensureBaseline');
    const champ = await readChampion();
    const params = decisionParams(policy, input.iteration, input.head);
    lastTail = '';
    // After a sync-main merge the loop names the re-measured merge commit (remeasureChampion) as champion.
    const championSha = input.championSha;
    const ray = onRay ? await compareOnRay(input, params) : undefined;
    const { d, interleaved, log, notes } = ray ?? (onTpu ? await compareOnTpu(input, params) : await compareLocal(input, params, champ));
    const reason = notes.length > 0 ? `${d.reason} (${notes.join('; ')})` : d.reason;
    const promoted = d.outcome === 'promoted';
    await writeDecisionFiles(ports.files, input.iterDir, {
      d, reason, interleaved, championSha, head: input.head, outputTail: lastTail,
      tpu: ray ? { where: onRay!.ray.label(), log: ray.log, notes, benchOn: 'ray', jobs: ray.jobs, env: ray.env } : onTpu && log ? { where: site.label(), log, notes } : undefined,
    });
    if (ray?.env) await ports.files.write(join(input.iterDir, 'env-snapshot.txt'), ray.env.text);
    if (promoted) await ports.champions.write(runDir, { sha: input.head, values: d.candidateValues, median: d.candidate!, iteration: input.iteration, source: 'promoted' });
    return {
      outcome: d.outcome,
      revert: d.revert,
      candidate: d.candidate,
      champion: d.champion,
      deltaPct: d.deltaPct,
      ci: d.ci,
      runs: d.runs,
      reason,
      targetReached: d.targetReached,
      championSha: promoted ? input.head : championSha,
    };
  }

  async function remeasureChampion(head: string, signal?: AbortSignal): Promise<void> {
    if (!runDir) throw new Error('remeasureChampion called before ensureBaseline');
    const log = new SampleLog();
    const { value: r } = await recovering('re-measure of the champion', log, signal, async (attempt) => {
      const got = onRay ? await rayRuns(head, join(runDir!, 'champion-remeasure'), log, signal) : await measureRuns(await site.candidateTree(head, signal), policy.baselineRuns, log, attempt, signal);
      return { failed: failed(got), value: got };
    });
    if (!r.ok) throw new Error(`re-measuring the champion after sync-main failed: ${r.reason}`);
    const prev = await readChampion();
    await ports.champions.write(runDir, { sha: head, values: r.values, median: median(r.values), iteration: prev?.iteration ?? 0, source: 'sync-main' });
  }

  // The site's shared connections (ssh ControlMaster) are closed after every operation, so none outlives it;
  // the snapshot is taken afresh in each (the TPU may have been replaced in between).
  const idleAfter = async <T>(fn: () => Promise<T>): Promise<T> => {
    snapCache = undefined;
    try {
      return await fn();
    } finally {
      await site.idle();
    }
  };
  return {
    champion: readChampion,
    measureBaseline: (dir, head, signal) => idleAfter(() => measureBaseline(dir, head, signal)),
    baselineKey: (head, signal) => idleAfter(async () => fingerprint(head, (await describe(head, signal))?.fingerprint)),
    ensureBaseline: (dir, head, signal) => idleAfter(() => ensureBaseline(dir, head, signal)),
    decide: (input) => idleAfter(() => decide(input)),
    remeasureChampion: (head, signal) => idleAfter(() => remeasureChampion(head, signal)),
  };
}

const toResult = (r: BenchSample): SampleResult => (r.ok ? { ok: true, value: r.value } : { ok: false, reason: r.reason });

function noMetric(reason: string): Decision {
  return { outcome: 'no-metric', revert: true, runs: 0, championRuns: 0, looks: [], candidateValues: [], championValues: [], reason, targetReached: false };
}
