/**
 * The keep/revert policy: the Measurer the loop calls, over narrow ports (src/ports/bench.ts) that only run the
 * benchmark and store files.
 *
 *   ensureBaseline ─▶ runs/<id>/baseline/ complete? ─no─▶ baselines/<fingerprint>/ complete? ─no─▶ N runs,
 *        │                                               └─yes─▶ copy it                      refused if noisy
 *        └─▶ no champion.json yet: the baseline is the champion (iteration 0)
 *   decide ─▶ interleaved? (a cheap benchmark, or no stored runs of that champion)
 *        ├─yes─▶ A B B A against a checkout of the champion; a champion that cannot run in its checkout
 *        │       falls back to its stored runs
 *        └─no──▶ candidate runs against the champion's stored runs
 *        ─▶ iter-NNN/bench.json and result.txt; promoted ─▶ champion.json = the candidate
 *   remeasureChampion (after a sync-main merge) ─▶ N runs of the merge commit are the champion's runs
 *
 * The statistics are decide.ts's; the baseline's noise check and files are baseline.ts's.
 */
import { join } from 'node:path';
import type { BaselineRecord, BaselineStore, BenchRunner, BenchSample, Champion, ChampionStore, EnvSnapshotter, MeasureDecision, Measurer, RunFiles, WorktreeProvider } from '../../ports/bench.js';
import { baselineFingerprint, checkNoise, formatResultTxt } from './baseline.js';
import { decideSequential, type Decision, type DecisionParams, type SampleResult, type Side } from './decide.js';
import { cvPct, median, robustCvPct } from '../stats/descriptive.js';
import { deriveSeed } from '../stats/prng.js';
import { faultPoint } from '../../fault.js';

export interface MeasurePolicy {
  /** The benchmark command: part of the baseline's fingerprint; without one nothing can be measured. */
  bench?: string | undefined;
  metric?: string | undefined;
  metricPattern?: string | undefined;
  direction: 'higher' | 'lower';
  baselineRuns: number;
  cvThresholdPct: number;
  acceptNoise: boolean;
  maxBenchRuns: number;
  alpha: number;
  minImprovementPct: number;
  maxRegressionPct: number;
  inconclusivePolicy: 'keep' | 'revert';
  interleave: 'auto' | 'on' | 'off';
  target?: number | undefined;
  /** baselines/<fingerprint>/ (standalone `gdnctl baseline` results) live here. */
  logDir: string;
}

export interface MeasurerPorts {
  bench: BenchRunner;
  worktrees: WorktreeProvider;
  champions: ChampionStore;
  baselines: BaselineStore;
  envSnapshot: EnvSnapshotter;
  /** bench.json and result.txt of each decision. */
  files: RunFiles;
  /** The working tree: the candidate (and a baseline) runs here. */
  repoRoot: string;
  /** "Cheap" benchmark bound for --interleave auto (30 s). */
  cheapRunMs?: number;
  now?: () => Date;
  onLine?: (msg: string) => void;
  /** Applied to the benchmark's output tail and the env snapshot before they are stored. */
  redact?: (text: string) => string;
}

export type BaselineOutcome = { ok: true; record: BaselineRecord; dir: string } | { ok: false; reason: string };

export interface BenchMeasurer extends Measurer {
  /** Measure a baseline of `head` in the working tree into `dir` (`gdnctl baseline`, and ensureBaseline). */
  measureBaseline(dir: string, head: string, signal?: AbortSignal): Promise<BaselineOutcome>;
  /** The champion as this measurer decided it (champion.json); undefined before ensureBaseline. */
  champion(): Promise<Champion | undefined>;
}

const NO_BENCH = 'no --bench command configured';

type Runs = { ok: true; values: number[]; durationsMs: number[] } | { ok: false; reason: string };

export function createBenchMeasurer(policy: MeasurePolicy, ports: MeasurerPorts): BenchMeasurer {
  const say = ports.onLine ?? (() => undefined);
  const redact = ports.redact ?? ((t: string) => t);
  const bench = policy.bench;
  let runDir: string | undefined;
  // The last failed run's output, redacted: it ends up in bench.json and result.txt of a no-metric decision.
  let lastTail = '';

  const sample = async (cwd: string, signal?: AbortSignal): Promise<BenchSample> => {
    if (!bench) return { ok: false, reason: NO_BENCH, tail: '' };
    const r = await ports.bench.run(cwd, signal);
    if (!r.ok) lastTail = redact(r.tail);
    return r;
  };
  const sampler = (cwd: string, signal?: AbortSignal) => async (): Promise<SampleResult> => {
    const r = await sample(cwd, signal);
    return r.ok ? { ok: true, value: r.value } : { ok: false, reason: r.reason };
  };
  const fingerprint = (head: string): string =>
    baselineFingerprint({ head, bench: bench!, direction: policy.direction, metric: policy.metric, metricPattern: policy.metricPattern });
  const readChampion = async (): Promise<Champion | undefined> => (runDir ? ports.champions.read(runDir) : undefined);

  async function measureRuns(n: number, signal?: AbortSignal): Promise<Runs> {
    const values: number[] = [];
    const durationsMs: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = await sample(ports.repoRoot, signal);
      if (!r.ok) return { ok: false, reason: `run ${i + 1}/${n}: ${r.reason}${lastTail ? `\n--- output tail ---\n${lastTail}` : ''}` };
      values.push(r.value);
      durationsMs.push(r.durationMs);
      faultPoint('during-baseline');
      say(`baseline run ${i + 1}/${n}: ${r.value}`);
    }
    return { ok: true, values, durationsMs };
  }

  async function measureBaseline(dir: string, head: string, signal?: AbortSignal): Promise<BaselineOutcome> {
    if (!bench) return { ok: false, reason: NO_BENCH };
    const r = await measureRuns(policy.baselineRuns, signal);
    if (!r.ok) return { ok: false, reason: `baseline failed: ${r.reason}` };
    const noise = checkNoise(r.values, policy.cvThresholdPct, policy.acceptNoise);
    if (!noise.ok) return { ok: false, reason: noise.message };
    const record: BaselineRecord = {
      schemaVersion: 1,
      fingerprint: fingerprint(head),
      head,
      bench,
      metric: policy.metric ?? policy.metricPattern ?? '(only GDNCTL_METRIC key)',
      direction: policy.direction,
      values: r.values,
      durationsMs: r.durationsMs,
      median: median(r.values),
      cvPct: cvPct(r.values),
      robustCvPct: robustCvPct(r.values),
      cvThresholdPct: policy.cvThresholdPct,
      acceptedNoise: noise.accepted,
      createdAt: (ports.now?.() ?? new Date()).toISOString(),
    };
    const extra: Record<string, string> = { Metric: `${record.metric} (${record.direction} is better)`, CV: `${record.cvPct.toFixed(2)} %` };
    if (record.acceptedNoise) extra['Noise'] = `accepted with --accept-noise above ${record.cvThresholdPct} %`;
    const envSnapshot = redact(await ports.envSnapshot.snapshot(head));
    await ports.baselines.write(dir, { record, resultTxt: formatResultTxt(record.values, extra), envSnapshot });
    return { ok: true, record, dir };
  }

  /** Interleave when the benchmark is cheap (--interleave auto: its baseline runs took < 30 s each). */
  async function isCheap(): Promise<boolean> {
    if (policy.interleave !== 'auto') return policy.interleave === 'on';
    const b = runDir ? await ports.baselines.read(join(runDir, 'baseline')) : undefined;
    return b !== undefined && median(b.durationsMs) < (ports.cheapRunMs ?? 30000);
  }

  async function compare(input: Parameters<Measurer['decide']>[0], params: DecisionParams, champ: Champion | undefined): Promise<{ d: Decision; interleaved: boolean }> {
    const canReuse = champ !== undefined && champ.sha === input.championSha;
    const candidate = sampler(ports.repoRoot, input.signal);
    const againstStored = async (): Promise<{ d: Decision; interleaved: boolean }> => ({
      d: await decideSequential({ params, sample: () => candidate(), championValues: champ!.values }),
      interleaved: false,
    });
    if (!(await isCheap()) && canReuse) return againstStored();
    const d = await ports.worktrees.withCheckout(input.championSha, async (champDir) => {
      const championSample = sampler(champDir, input.signal);
      return decideSequential({ params, sample: (side: Side) => (side === 'candidate' ? candidate() : championSample()) });
    });
    // A fresh checkout lacks untracked build state (.venv, compiled extensions); a champion that cannot run
    // there must not get the candidate reverted. Fall back to the champion's stored runs.
    if (d.outcome === 'no-metric' && d.reason.startsWith('champion') && canReuse && !input.signal?.aborted) {
      say(`champion could not run in its worktree (${d.reason.split('\n')[0]}); comparing with its stored runs instead`);
      lastTail = '';
      return againstStored();
    }
    return { d, interleaved: true };
  }

  return {
    measureBaseline,
    champion: readChampion,

    async ensureBaseline(dir, head, signal) {
      runDir = dir;
      const own = join(dir, 'baseline');
      let rec = await ports.baselines.read(own);
      if (!rec && bench) {
        const fp = fingerprint(head);
        const standalone = join(policy.logDir, 'baselines', fp);
        if (await ports.baselines.read(standalone)) {
          await ports.baselines.copy(standalone, own);
          rec = await ports.baselines.read(own);
          say(`reusing baseline ${fp} (same HEAD, bench command and metric)`);
        } else {
          const m = await measureBaseline(own, head, signal);
          if (!m.ok) return { ok: false, reason: m.reason };
          rec = m.record;
        }
      }
      if (!rec) return { ok: false, reason: NO_BENCH };
      if (!(await readChampion())) await ports.champions.write(dir, { sha: rec.head, values: rec.values, median: rec.median, iteration: 0, source: 'baseline' });
      return { ok: true };
    },

    async decide(input): Promise<MeasureDecision> {
      if (!runDir) throw new Error('Measurer.decide called before ensureBaseline');
      const champ = await readChampion();
      const params: DecisionParams = {
        direction: policy.direction,
        alpha: policy.alpha,
        minImprovementPct: policy.minImprovementPct,
        maxRegressionPct: policy.maxRegressionPct,
        maxBenchRuns: policy.maxBenchRuns,
        inconclusivePolicy: policy.inconclusivePolicy,
        seed: deriveSeed(input.iteration, input.head),
        target: policy.target,
      };
      lastTail = '';
      // After a sync-main merge the loop names the re-measured merge commit (remeasureChampion) as champion.
      const championSha = input.championSha;
      const { d, interleaved } = await compare(input, params, champ);
      const promoted = d.outcome === 'promoted';
      const benchJson = { ...d, interleaved, championSha, head: input.head, outputTail: d.outcome === 'no-metric' ? lastTail : undefined };
      await ports.files.writeAtomic(join(input.iterDir, 'bench.json'), JSON.stringify(benchJson, null, 2) + '\n');
      const resultTxt =
        d.candidateValues.length > 0
          ? formatResultTxt(d.candidateValues, { Decision: `${d.outcome} — ${d.reason}`, Champion: `${championSha.slice(0, 12)} median ${d.champion ?? '?'} over ${d.championRuns} runs` })
          : `# Decision: ${d.outcome} — ${d.reason}\n# Output tail:\n${lastTail}\n`;
      await ports.files.write(join(input.iterDir, 'result.txt'), resultTxt);
      if (promoted) await ports.champions.write(runDir, { sha: input.head, values: d.candidateValues, median: d.candidate!, iteration: input.iteration, source: 'promoted' });
      return {
        outcome: d.outcome,
        revert: d.revert,
        candidate: d.candidate,
        champion: d.champion,
        deltaPct: d.deltaPct,
        ci: d.ci,
        runs: d.runs,
        reason: d.reason,
        targetReached: d.targetReached,
        championSha: promoted ? input.head : championSha,
      };
    },

    async remeasureChampion(head, signal) {
      if (!runDir) throw new Error('remeasureChampion called before ensureBaseline');
      const r = await measureRuns(policy.baselineRuns, signal);
      if (!r.ok) throw new Error(`re-measuring the champion after sync-main failed: ${r.reason}`);
      const prev = await readChampion();
      await ports.champions.write(runDir, { sha: head, values: r.values, median: median(r.values), iteration: prev?.iteration ?? 0, source: 'sync-main' });
    },
  };
}
