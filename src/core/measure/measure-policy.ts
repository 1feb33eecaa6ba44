/** What the keep/revert policy (measurer.ts) is configured with and built over, and what it offers beyond Measurer. */
import type { BaselineRecord, BaselineStore, BenchRunner, BenchSite, Champion, ChampionStore, EnvSnapshotter, Measurer, RunFiles, WorktreeProvider } from '../../ports/bench.js';
import type { DecisionParams } from './decide.js';
import type { RayBench } from '../../ports/ray.js';
import { deriveSeed } from '../stats/prng.js';

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
  /** Runs of each side recorded and excluded before measuring (default: 1 on the TPU, 0 on this machine). */
  benchWarmupRuns?: number | undefined;
}

export interface MeasurerPorts {
  bench: BenchRunner;
  worktrees: WorktreeProvider;
  champions: ChampionStore;
  baselines: BaselineStore;
  envSnapshot: EnvSnapshotter;
  /** bench.json and result.txt of each decision. */
  files: RunFiles;
  /** The working tree: the candidate (and a baseline) runs here when the site is this machine. */
  repoRoot: string;
  /** Where the benchmark runs; this machine when absent. */
  site?: BenchSite;
  /** `--bench-on ray`: every measurement runs as batches of runs in Ray jobs (batch-measure.ts) instead of `bench`. */
  rayBench?: RayBench | undefined;
  /** "Cheap" benchmark bound for --interleave auto (30 s). */
  cheapRunMs?: number;
  /** Pause before running a tpu-busy sample again (10 s), and how often (2). */
  busyWaitMs?: number;
  busyRetries?: number;
  now?: () => Date;
  onLine?: (msg: string) => void;
  /** Applied to the benchmark's output tail and the env snapshot before they are stored. */
  redact?: (text: string) => string;
}

export type BaselineOutcome = { ok: true; record: BaselineRecord; dir: string } | { ok: false; reason: string };

export interface BenchMeasurer extends Measurer {
  /** Measure a baseline of `head` in the working tree into `dir` (`gdnctl baseline`, and ensureBaseline). */
  measureBaseline(dir: string, head: string, signal?: AbortSignal): Promise<BaselineOutcome>;
  /** The baseline's fingerprint for `head` (on the TPU it names the accelerator, so it needs the workers). */
  baselineKey(head: string, signal?: AbortSignal): Promise<string>;
  /** The champion as this measurer decided it (champion.json); undefined before ensureBaseline. */
  champion(): Promise<Champion | undefined>;
}

/** The statistics' parameters of one decision; the seed of its bootstrap CI comes from the iteration and HEAD. */
export function decisionParams(policy: MeasurePolicy, iteration: number, head: string): DecisionParams {
  return {
    direction: policy.direction,
    alpha: policy.alpha,
    minImprovementPct: policy.minImprovementPct,
    maxRegressionPct: policy.maxRegressionPct,
    maxBenchRuns: policy.maxBenchRuns,
    inconclusivePolicy: policy.inconclusivePolicy,
    seed: deriveSeed(iteration, head),
    target: policy.target,
  };
}

/** This machine: the working tree is the candidate's folder; nothing to re-acquire. */
export function localSite(repoRoot: string): BenchSite {
  return { where: 'local', candidateTree: async () => repoRoot, recover: async () => ({ kind: 'alive' }), label: () => 'this machine', idle: async () => undefined };
}
