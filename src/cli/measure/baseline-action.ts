import { join, resolve } from 'node:path';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { UsageError } from '../../errors.js';
import { createMeasurer } from './bench-measurer.js';
import { baselineFingerprint } from '../../core/measure/baseline.js';
import { validateMetricPattern } from '../../core/metric.js';
import { logDirProblems, shellSyntaxProblem } from '../loop/preflight-checks.js';
import { excludeFromGit, repoHead } from './repo-head.js';
import { measureRuleProblems, type MeasureRuleValues } from './measure-rule-checks.js';

/** Usage problems shared by every command that measures. */
export function measureUsageProblems(v: { bench?: string | undefined; metricPattern?: string | undefined } & MeasureRuleValues): string[] {
  const problems: string[] = [];
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
  const problems = measureUsageProblems(v);
  const root = ctx.config.repoRoot;
  const logDir = resolve(root, v.logDir);
  // Before excludeFromGit writes .git/info/exclude: a bad log dir or bench must leave nothing behind.
  problems.push(...(await logDirProblems(logDir)));
  const benchProblem = v.bench ? await shellSyntaxProblem('--bench', v.bench, ctx.env) : undefined;
  if (benchProblem) problems.push(benchProblem);
  if (problems.length > 0) throw new UsageError(problems);
  const head = await repoHead(root);
  const fp = baselineFingerprint({ head, bench: v.bench!, metric: v.metric, metricPattern: v.metricPattern, direction: v.direction });
  const dir = join(logDir, 'baselines', fp);
  await excludeFromGit(root, logDir);
  const m = createMeasurer({ ...v, logDir }, { repoRoot: root, env: ctx.env, onLine: (l) => ctx.log.info(l) });
  const r = await m.measureBaseline(dir, head, ctx.interrupt.signal);
  if (ctx.interrupt.signal.aborted) return ExitCode.interrupted;
  if (!r.ok) {
    ctx.stderr.write(`gdnctl: ${r.reason}\n`);
    return ExitCode.failed;
  }
  const b = r.record;
  ctx.stdout.write(
    `baseline ${fp}: median ${b.median} over ${b.values.length} runs (CV ${b.cvPct.toFixed(2)} %${b.acceptedNoise ? ', noise accepted' : ''}) at ${head.slice(0, 12)}\n` +
      `  raw: ${b.values.join(' ')}\n  stored in ${dir}\n`,
  );
  return ExitCode.ok;
}
