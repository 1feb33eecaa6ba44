import { resolve } from 'node:path';
import type { EnvSnapshotter, IterationMemory, Measurer } from '../../ports/bench.js';
import { UsageError } from '../../errors.js';
import { createFileMemory } from './file-memory.js';
import { capture } from '../../adapters/process/capture.js';
import { envSnapshotter } from '../../adapters/measure/env-snapshot.js';
import { createRedactor, type Redactor } from '../../redact.js';
import { renderExperimentPlan } from '../../core/measure/experiment-plan.js';
import { mfuOfValue } from './mfu-context.js';
import type { TpuHold } from '../../ports/tpu.js';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log.js';

/** What the loop's optional seams are built from (the TPU hold, the measurer, the iteration memory). */
export interface LoopExtrasContext {
  values: Config;
  env: NodeJS.ProcessEnv;
  log: Logger;
  workdir: string;
  runDir: string;
  logDir: string;
  /** The run's one redactor (src/cli/loop-deps.ts loopRedactor); built from the environment when absent. */
  redact?: Redactor;
  /** The loop's shared settings as GDNCTL_* for the benchmark (bench-measurer.ts MeasurerDeps.settingsEnv). */
  settingsEnv?: Record<string, string>;
  /** A commit's subject from the loop's git (which knows the range's subjects already); else `git log -1`. */
  commitSubject?: (sha: string) => Promise<string | undefined>;
  /** A subject the loop's git already printed, without a spawn. */
  knownSubject?: (sha: string) => string | undefined;
  /** The loop's TPU hold once built (the benchmark runs on its workers under --bench-on tpu/auto). */
  tpu?: () => TpuHold | undefined;
}
export type MeasureExtrasContext = LoopExtrasContext;

/**
 * The loop's measurer (only with --bench), its memory (always: reflexions and hotspots help without a bench), and
 * the environment a carried-over baseline is checked against (the measurer's own snapshot). The measurement stack
 * (measurer, baseline checks, the remote bench site) is imported only with --bench: a plain loop's first agent
 * starts without it.
 */
export async function buildMeasureExtras(ctx: MeasureExtrasContext): Promise<{ measurer?: Measurer; memory: IterationMemory; environment: EnvSnapshotter }> {
  const v = ctx.values;
  const workdir = resolve(ctx.workdir);
  const logDir = resolve(workdir, ctx.logDir);
  let measurer: Measurer | undefined;
  if (v.bench) {
    const [{ createMeasurer }, { measureUsageProblems }, { benchRunsOn }] = await Promise.all([
      import('./bench-measurer.js'),
      import('./baseline-action.js'),
      import('./bench-site.js'),
    ]);
    const problems = measureUsageProblems(v);
    if (problems.length > 0) throw new UsageError(problems);
    const tpu = benchRunsOn(v) === 'tpu' ? { values: v, log: ctx.log, hold: v.holdDevTpu ? ctx.tpu : undefined } : undefined;
    const ray = benchRunsOn(v) === 'ray' ? { values: v, log: ctx.log } : undefined;
    measurer = createMeasurer({ ...v, logDir }, {
      repoRoot: workdir, env: ctx.env, onLine: (l) => ctx.log.info(l), ...(ctx.redact ? { redact: ctx.redact } : {}), ...(ctx.settingsEnv ? { settingsEnv: ctx.settingsEnv } : {}), tpu, ray,
    });
  }
  const memory = createFileMemory({
    runDir: ctx.runDir,
    direction: v.direction,
    metric: v.metric ?? 'metric',
    target: v.target,
    ...(v.goal ? { goal: v.goal } : {}),
    experimentsDir: v.experimentsDir,
    repoRoot: workdir,
    deferWrites: true,
    redact: ctx.redact ?? createRedactor(ctx.env),
    mfuOf: mfuOfValue(v),
    commitSubject: ctx.commitSubject ?? (async (sha) => {
      const r = await capture('git', ['log', '-1', '--format=%s', sha], { cwd: workdir });
      return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
    }),
    ...(ctx.knownSubject ? { knownSubject: ctx.knownSubject } : {}),
    experimentPlan: renderExperimentPlan({ ...v, scope: v.scopeGlob, tests: v.postCheck, iterations: v.iterations, created: new Date().toISOString().slice(0, 10) }),
  });
  // Redacted as the measurer stores it, so the two snapshots compare.
  const snapshots = envSnapshotter({ cwd: workdir, env: ctx.env });
  const redact = ctx.redact ?? createRedactor(ctx.env);
  const environment: EnvSnapshotter = { snapshot: async (head) => redact(await snapshots.snapshot(head)) };
  return { ...(measurer ? { measurer } : {}), memory, environment };
}
