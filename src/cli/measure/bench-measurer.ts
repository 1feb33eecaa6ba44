import { createBenchMeasurer, type BenchMeasurer, type MeasurePolicy } from '../../core/measure/measurer.js';
import { fileBaselineStore } from '../../adapters/measure/baseline-store.js';
import { createBenchRunner, type RunBench } from '../../adapters/measure/bench-runner.js';
import { fileChampionStore } from '../../adapters/measure/champion-store.js';
import { envSnapshotter } from '../../adapters/measure/env-snapshot.js';
import { gitWorktreeProvider } from '../../adapters/measure/worktree.js';
import { privateRunFiles } from '../../adapters/ledger/run-files.js';
import { createRedactor } from '../../redact.js';
import { mfuMetricSpec, type MfuValues } from './mfu-context.js';
import { rayBenchSite, tpuBench, type RayBenchSiteDeps, type TpuBenchDeps } from './bench-site.js';

export type { BaselineOutcome, BenchMeasurer } from '../../core/measure/measurer.js';
export type { Champion } from '../../ports/bench.js';

export interface MeasureValues extends MeasurePolicy, Partial<Omit<MfuValues, 'metric'>> {
  benchTimeoutSeconds: number;
  rayTpu?: string | undefined;
}

export interface MeasurerDeps {
  repoRoot: string;
  env?: NodeJS.ProcessEnv;
  /**
   * The loop's settings a bench's `gdnctl …` subcommand also reads, as GDNCTL_* (sharedSettingsEnv), put over
   * `env` for the benchmark only (docs/architecture.md "What post-checks see").
   */
  settingsEnv?: Record<string, string>;
  /** The process behind each benchmark run (tests count or wrap execaBenchRunner). */
  runBench?: RunBench;
  /** "Cheap" benchmark bound for --interleave auto (30 s). */
  cheapRunMs?: number;
  snapshot?: (head: string) => Promise<string>;
  now?: () => Date;
  onLine?: (msg: string) => void;
  /** The run's redactor (it also knows flag-given secrets); the environment's secrets otherwise. */
  redact?: (text: string) => string;
  /** The benchmark runs on the TPU's workers (`--bench-on`, bench-site.ts): how to reach them. */
  tpu?: Omit<TpuBenchDeps, 'repoRoot' | 'env' | 'redact'> | undefined;
  /** `--bench-on ray`: the measurements run as Ray jobs (bench-site.ts rayBenchSite). */
  ray?: Omit<RayBenchSiteDeps, 'repoRoot' | 'env' | 'redact'> | undefined;
  /** Pause before a tpu-busy run is tried again. */
  busyWaitMs?: number;
}

/**
 * The keep/revert policy of src/core/measure/measurer.ts over the real benchmark and run files: on this machine
 * with git worktrees, or on the TPU with the remote adapters (champion and candidate trees on the workers).
 */
export function createMeasurer(values: MeasureValues, deps: MeasurerDeps): BenchMeasurer {
  const env = deps.env ?? process.env;
  const metric = { metric: values.metric, metricPattern: values.metricPattern, ...mfuMetricSpec(values) };
  // The loop's shared settings (GDNCTL_*) reach the benchmark wherever it runs.
  const benchEnv = { ...env, ...deps.settingsEnv };
  const timeoutMs = values.benchTimeoutSeconds * 1000;
  // The bench's output tail and the env snapshot end up in result.txt / bench.json.
  const redact = deps.redact ?? createRedactor(env);
  const common = {
    champions: fileChampionStore,
    baselines: fileBaselineStore,
    files: privateRunFiles,
    repoRoot: deps.repoRoot,
    cheapRunMs: deps.cheapRunMs,
    now: deps.now,
    onLine: deps.onLine,
    redact,
    ...(deps.busyWaitMs !== undefined ? { busyWaitMs: deps.busyWaitMs } : {}),
  };
  if (deps.ray) {
    const metricOn = { ...metric, ...mfuMetricSpec(values.rayTpu && values.rayTpu !== 'auto' ? { ...values, devTpuType: values.rayTpu } : values) };
    const r = rayBenchSite({ ...deps.ray, env, repoRoot: deps.repoRoot, redact }, { command: values.bench ?? '', metric: metricOn, timeoutMs });
    return createBenchMeasurer(values, {
      ...common,
      bench: { run: async () => ({ ok: false, reason: 'with --bench-on ray the runs go to Ray jobs', tail: '' }) },
      worktrees: gitWorktreeProvider(deps.repoRoot),
      envSnapshot: envSnapshotter({ cwd: deps.repoRoot, env }),
      site: r.site,
      rayBench: r.rayBench,
    });
  }
  if (deps.tpu) {
    // MFU counts the chips of the node the bench ran on (a fallback or re-acquire may hold another type).
    const metricOn = (type: string | undefined) => ({ ...metric, ...mfuMetricSpec(type ? { ...values, devTpuType: type } : values) });
    const t = tpuBench({ ...deps.tpu, env: benchEnv, repoRoot: deps.repoRoot, redact }, { command: values.bench ?? '', metric: metricOn, timeoutMs });
    return createBenchMeasurer(values, { ...common, bench: t.bench, worktrees: t.worktrees, envSnapshot: t.envSnapshot, site: t.site });
  }
  return createBenchMeasurer(values, {
    ...common,
    bench: createBenchRunner({ command: values.bench ?? '', metric, timeoutMs, env: benchEnv, exec: deps.runBench }),
    worktrees: gitWorktreeProvider(deps.repoRoot),
    envSnapshot: deps.snapshot ? { snapshot: deps.snapshot } : envSnapshotter({ cwd: deps.repoRoot, env }),
  });
}
