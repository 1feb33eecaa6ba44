import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { mkdirPrivate, writePrivate } from '../ledger/private-files.js';
import { join } from 'node:path';
import type { MeasureDecision, Measurer } from '../../ports/bench.js';
import { baselineFingerprint, checkNoise, formatResultTxt, type BaselineRecord } from '../../core/measure/baseline.js';
import { decideSequential, type Decision, type Side } from '../../core/measure/decide.js';
import { cvPct, median, robustCvPct } from '../../core/stats/descriptive.js';
import { deriveSeed } from '../../core/stats/prng.js';
import { copyBaseline, readBaseline, writeBaseline } from './baseline-store.js';
import { execaBenchRunner, type BenchRunner } from './bench-runner.js';
import { envSnapshot } from './env-snapshot.js';
import { withDetachedWorktree } from './worktree.js';
import { faultPoint } from '../../fault.js';
import { createRedactor } from '../../redact.js';

export interface MeasureValues {
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
  benchTimeoutSeconds: number;
  logDir: string;
}

export interface MeasurerDeps {
  repoRoot: string;
  env?: NodeJS.ProcessEnv;
  runBench?: BenchRunner;
  /** "Cheap" benchmark bound for --interleave auto (30 s). */
  cheapRunMs?: number;
  snapshot?: (head: string) => Promise<string>;
  now?: () => Date;
  onLine?: (msg: string) => void;
}

export interface Champion {
  sha: string;
  values: number[];
  median: number;
  iteration: number;
  /** Where the values came from; 'sync-main' = re-measured after a merge moved HEAD. */
  source?: 'baseline' | 'promoted' | 'sync-main';
}

export type BaselineOutcome = { ok: true; record: BaselineRecord; dir: string } | { ok: false; reason: string };

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writePrivate(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, file);
}

export interface BenchMeasurer extends Measurer {
  /** Measure a baseline of `head` in `cwd` into `dir` (used by `gdnctl baseline` and by ensureBaseline). */
  measureBaseline(dir: string, head: string, signal?: AbortSignal): Promise<BaselineOutcome>;
  champion(): Promise<Champion | undefined>;
}

export function createMeasurer(values: MeasureValues, deps: MeasurerDeps): BenchMeasurer {
  const runBench = deps.runBench ?? execaBenchRunner;
  const bench = values.bench;
  const metric = { metric: values.metric, metricPattern: values.metricPattern };
  const say = deps.onLine ?? (() => undefined);
  let runDir: string | undefined;
  let lastTail = '';
  // The bench's output tail and the env snapshot end up in result.txt / bench.json.
  const redact = createRedactor(deps.env ?? process.env);

  const sampleIn = (cwd: string, signal?: AbortSignal) => async (): Promise<{ ok: true; value: number; durationMs: number } | { ok: false; reason: string }> => {
    if (!bench) return { ok: false, reason: 'no --bench command configured' };
    const r = await runBench({ command: bench, cwd, metric, timeoutMs: values.benchTimeoutSeconds * 1000, env: deps.env ?? process.env, signal });
    if (!r.reading.ok) {
      lastTail = redact(r.reading.tail);
      return { ok: false, reason: r.reading.reason };
    }
    return { ok: true, value: r.reading.value, durationMs: r.durationMs };
  };

  const championFile = (): string => join(runDir!, 'champion.json');
  const readChampion = async (): Promise<Champion | undefined> =>
    runDir && existsSync(championFile()) ? (JSON.parse(await readFile(championFile(), 'utf8')) as Champion) : undefined;

  async function measureRuns(cwd: string, n: number, signal?: AbortSignal): Promise<{ ok: true; values: number[]; durationsMs: number[] } | { ok: false; reason: string }> {
    const vals: number[] = [];
    const durs: number[] = [];
    const one = sampleIn(cwd, signal);
    for (let i = 0; i < n; i++) {
      const r = await one();
      if (!r.ok) return { ok: false, reason: `run ${i + 1}/${n}: ${r.reason}${lastTail ? `\n--- output tail ---\n${lastTail}` : ''}` };
      vals.push(r.value);
      durs.push(r.durationMs);
      faultPoint('during-baseline');
      say(`baseline run ${i + 1}/${n}: ${r.value}`);
    }
    return { ok: true, values: vals, durationsMs: durs };
  }

  async function measureBaseline(dir: string, head: string, signal?: AbortSignal): Promise<BaselineOutcome> {
    if (!bench) return { ok: false, reason: 'no --bench command configured' };
    const r = await measureRuns(deps.repoRoot, values.baselineRuns, signal);
    if (!r.ok) return { ok: false, reason: `baseline failed: ${r.reason}` };
    const noise = checkNoise(r.values, values.cvThresholdPct, values.acceptNoise);
    if (!noise.ok) return { ok: false, reason: noise.message };
    const rec: BaselineRecord = {
      schemaVersion: 1,
      fingerprint: baselineFingerprint({ head, bench, direction: values.direction, metric: values.metric, metricPattern: values.metricPattern }),
      head,
      bench,
      metric: values.metric ?? values.metricPattern ?? '(only GDNCTL_METRIC key)',
      direction: values.direction,
      values: r.values,
      durationsMs: r.durationsMs,
      median: median(r.values),
      cvPct: cvPct(r.values),
      robustCvPct: robustCvPct(r.values),
      cvThresholdPct: values.cvThresholdPct,
      acceptedNoise: noise.accepted,
      createdAt: (deps.now?.() ?? new Date()).toISOString(),
    };
    const snap = deps.snapshot ? await deps.snapshot(head) : await envSnapshot({ cwd: deps.repoRoot, head, env: deps.env ?? process.env });
    await writeBaseline(dir, rec, redact(snap));
    return { ok: true, record: rec, dir };
  }

  async function isCheap(): Promise<boolean> {
    if (values.interleave !== 'auto') return values.interleave === 'on';
    const b = runDir ? await readBaseline(join(runDir, 'baseline')) : undefined;
    return b !== undefined && median(b.durationsMs) < (deps.cheapRunMs ?? 30000);
  }

  return {
    measureBaseline,
    champion: readChampion,

    async ensureBaseline(dir, head, signal) {
      runDir = dir;
      const own = join(dir, 'baseline');
      let rec = await readBaseline(own);
      if (!rec && bench) {
        const fp = baselineFingerprint({ head, bench, direction: values.direction, metric: values.metric, metricPattern: values.metricPattern });
        const standalone = join(values.logDir, 'baselines', fp);
        if (await readBaseline(standalone)) {
          await copyBaseline(standalone, own);
          rec = await readBaseline(own);
          say(`reusing baseline ${fp} (same HEAD, bench command and metric)`);
        } else {
          const m = await measureBaseline(own, head, signal);
          if (!m.ok) return { ok: false, reason: m.reason };
          rec = m.record;
        }
      }
      if (!rec) return { ok: false, reason: 'no --bench command configured' };
      if (!(await readChampion())) await writeJsonAtomic(championFile(), { sha: rec.head, values: rec.values, median: rec.median, iteration: 0, source: 'baseline' } satisfies Champion);
      return { ok: true };
    },

    async decide(input): Promise<MeasureDecision> {
      if (!runDir) throw new Error('Measurer.decide called before ensureBaseline');
      await mkdirPrivate(input.iterDir);
      const champ = await readChampion();
      // After a sync-main merge the loop names the re-measured merge commit (remeasureChampion) as champion.
      const championSha = input.championSha;
      const canReuse = champ !== undefined && champ.sha === championSha;
      const interleaved = (await isCheap()) || !canReuse;
      const params = {
        direction: values.direction,
        alpha: values.alpha,
        minImprovementPct: values.minImprovementPct,
        maxRegressionPct: values.maxRegressionPct,
        maxBenchRuns: values.maxBenchRuns,
        inconclusivePolicy: values.inconclusivePolicy,
        seed: deriveSeed(input.iteration, input.head),
        target: values.target,
      };
      const candidate = sampleIn(deps.repoRoot, input.signal);
      lastTail = '';
      let d: Decision;
      let usedInterleave = interleaved;
      if (interleaved) {
        d = await withDetachedWorktree(deps.repoRoot, championSha, async (champDir) => {
          const championSample = sampleIn(champDir, input.signal);
          return decideSequential({ params, sample: (side: Side) => (side === 'candidate' ? candidate() : championSample()) });
        });
        // A fresh worktree lacks untracked build state (.venv, compiled extensions); a champion that cannot run
        // there must not get the candidate reverted. Fall back to the champion's stored runs.
        if (d.outcome === 'no-metric' && d.reason.startsWith('champion') && canReuse && !input.signal?.aborted) {
          say(`champion could not run in its worktree (${d.reason.split('\n')[0]}); comparing with its stored runs instead`);
          lastTail = '';
          usedInterleave = false;
          d = await decideSequential({ params, sample: () => candidate(), championValues: champ!.values });
        }
      } else {
        d = await decideSequential({ params, sample: () => candidate(), championValues: champ!.values });
      }
      const decision: MeasureDecision = {
        outcome: d.outcome,
        revert: d.revert,
        candidate: d.candidate,
        champion: d.champion,
        deltaPct: d.deltaPct,
        ci: d.ci,
        runs: d.runs,
        reason: d.reason,
        targetReached: d.targetReached,
      };
      await writeJsonAtomic(join(input.iterDir, 'bench.json'), { ...d, interleaved: usedInterleave, championSha, head: input.head, outputTail: d.outcome === 'no-metric' ? lastTail : undefined });
      const resultTxt =
        d.candidateValues.length > 0
          ? formatResultTxt(d.candidateValues, { Decision: `${d.outcome} — ${d.reason}`, Champion: `${championSha.slice(0, 12)} median ${d.champion ?? '?'} over ${d.championRuns} runs` })
          : `# Decision: ${d.outcome} — ${d.reason}\n# Output tail:\n${lastTail}\n`;
      await writePrivate(join(input.iterDir, 'result.txt'), resultTxt);
      if (d.outcome === 'promoted') {
        await writeJsonAtomic(championFile(), { sha: input.head, values: d.candidateValues, median: d.candidate!, iteration: input.iteration, source: 'promoted' } satisfies Champion);
      }
      return decision;
    },

    async remeasureChampion(head, signal) {
      if (!runDir) throw new Error('remeasureChampion called before ensureBaseline');
      const r = await measureRuns(deps.repoRoot, values.baselineRuns, signal);
      if (!r.ok) throw new Error(`re-measuring the champion after sync-main failed: ${r.reason}`);
      const prev = await readChampion();
      await writeJsonAtomic(championFile(), { sha: head, values: r.values, median: median(r.values), iteration: prev?.iteration ?? 0, source: 'sync-main' } satisfies Champion);
    },
  };
}
