import { join, resolve } from 'node:path';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { ResourceError, UsageError } from '../../errors.js';
import { createMeasurer } from './bench-measurer.js';
import { baselineFingerprint } from '../../core/measure/baseline.js';
import { validateMetricPattern } from '../../core/metric.js';
import { logDirProblems, shellSyntaxProblem } from '../loop/preflight-checks.js';
import { excludeFromGit, repoHead } from './repo-head.js';
import { measureRuleProblems, type MeasureRuleValues } from './measure-rule-checks.js';
import { benchOnProblems, benchRunsOn } from './bench-site.js';

/** Usage problems shared by every command that measures. */
export function measureUsageProblems(v: { bench?: string | undefined; metricPattern?: string | undefined } & MeasureRuleValues & Partial<Parameters<typeof benchOnProblems>[0]>): string[] {
  const problems: string[] = [];
  if (v.benchOn !== undefined) problems.push(...benchOnProblems(v as Parameters<typeof benchOnProblems>[0]));
  if (!v.bench) problems.push('no benchmark command; pass --bench "CMD" (it must print GDNCTL_METRIC {"name": value}) or set bench: in gdnctl.yaml');
  if (v.metricPattern) {
    const p = validateMetricPattern(v.metricPattern);
    if (p) problems.push(p);
  }
  problems.push(...measureRuleProblems(v));
  return problems;
}

export async function runBaseline(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  // A standalone baseline on Ray is not built: the loop measures its own there (docs/ray.md "--bench-on ray").
  const problems = v.benchOn === 'ray' ? ['gdnctl baseline --bench-on ray is not supported; codex-loop --bench-on ray measures its baseline as a Ray job, or pass --bench-on local|tpu'] : measureUsageProblems(v);
  const root = ctx.config.repoRoot;
  const logDir = resolve(root, v.logDir);
  // Before excludeFromGit writes .git/info/exclude: a bad log dir or bench must leave nothing behind.
  problems.push(...(await logDirProblems(logDir)));
  const benchProblem = v.bench ? await shellSyntaxProblem('--bench', v.bench, ctx.env) : undefined;
  if (benchProblem) problems.push(benchProblem);
  if (problems.length > 0) throw new UsageError(problems);
  const head = await repoHead(root);
  const onTpu = benchRunsOn(v) === 'tpu';
  const m = createMeasurer({ ...v, logDir }, { repoRoot: root, env: ctx.env, onLine: (l) => ctx.log.info(l), ...(onTpu ? { tpu: { values: v, log: ctx.log } } : {}) });
  let fp: string;
  let r: Awaited<ReturnType<typeof m.measureBaseline>>;
  try {
    // On the TPU the key names the accelerator, which only the workers can tell (after the tree's sync).
    fp = onTpu ? await m.baselineKey(head, ctx.interrupt.signal) : baselineFingerprint({ head, bench: v.bench!, metric: v.metric, metricPattern: v.metricPattern, direction: v.direction });
    await excludeFromGit(root, logDir);
    r = await m.measureBaseline(join(logDir, 'baselines', fp), head, ctx.interrupt.signal);
  } catch (e) {
    if (ctx.interrupt.signal.aborted) return ExitCode.interrupted;
    // A worker that cannot be reached is a resource (4); an rsync that failed on a reachable one is a failure (1).
    const sync = e instanceof Error && /^sync: /.test(e.message);
    if (!(e instanceof ResourceError) && !sync) throw e;
    ctx.stderr.write(`gdnctl: ${(e as Error).message}\n`);
    return e instanceof ResourceError ? ExitCode.resourceUnavailable : ExitCode.failed;
  }
  const dir = join(logDir, 'baselines', fp);
  if (ctx.interrupt.signal.aborted) return ExitCode.interrupted;
  if (!r.ok) {
    ctx.stderr.write(`gdnctl: ${r.reason}\n`);
    return ExitCode.failed;
  }
  const b = r.record;
  ctx.stdout.write(
    `baseline ${fp}: median ${b.median} over ${b.values.length} runs (CV ${b.cvPct.toFixed(2)} %${b.acceptedNoise ? ', noise accepted' : ''}) at ${head.slice(0, 12)}\n` +
      `  raw: ${b.values.join(' ')}${b.warmupValues ? ` (warm-up excluded: ${b.warmupValues.join(' ')})` : ''}\n` +
      (b.envLabel ? `  on the TPU: ${b.envLabel}\n` : '') +
      `  stored in ${dir}\n`,
  );
  return ExitCode.ok;
}
