import { createBenchMeasurer, type BenchMeasurer, type MeasurePolicy } from '../../core/measure/measurer.js';
import { fileBaselineStore } from '../../adapters/measure/baseline-store.js';
import { createBenchRunner, type RunBench } from '../../adapters/measure/bench-runner.js';
import { fileChampionStore } from '../../adapters/measure/champion-store.js';
import { envSnapshotter } from '../../adapters/measure/env-snapshot.js';
import { gitWorktreeProvider } from '../../adapters/measure/worktree.js';
import { privateRunFiles } from '../../adapters/ledger/run-files.js';
import { createRedactor } from '../../redact.js';
import { mfuMetricSpec, type MfuValues } from './mfu-context.js';

export type { BaselineOutcome, BenchMeasurer } from '../../core/measure/measurer.js';
export type { Champion } from '../../ports/bench.js';

export interface MeasureValues extends MeasurePolicy, Partial<Omit<MfuValues, 'metric'>> {
  benchTimeoutSeconds: number;
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
}

/** The keep/revert policy of src/core/measure/measurer.ts over the real benchmark, git worktrees and run files. */
export function createMeasurer(values: MeasureValues, deps: MeasurerDeps): BenchMeasurer {
  const env = deps.env ?? process.env;
  const metric = { metric: values.metric, metricPattern: values.metricPattern, ...mfuMetricSpec(values) };
  return createBenchMeasurer(values, {
    bench: createBenchRunner({ command: values.bench ?? '', metric, timeoutMs: values.benchTimeoutSeconds * 1000, env: { ...env, ...deps.settingsEnv }, exec: deps.runBench }),
    worktrees: gitWorktreeProvider(deps.repoRoot),
    champions: fileChampionStore,
    baselines: fileBaselineStore,
    envSnapshot: deps.snapshot ? { snapshot: deps.snapshot } : envSnapshotter({ cwd: deps.repoRoot, env }),
    files: privateRunFiles,
    repoRoot: deps.repoRoot,
    cheapRunMs: deps.cheapRunMs,
    now: deps.now,
    onLine: deps.onLine,
    // The bench's output tail and the env snapshot end up in result.txt / bench.json.
    redact: deps.redact ?? createRedactor(env),
  });
}
