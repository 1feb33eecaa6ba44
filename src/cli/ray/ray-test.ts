import { ResourceError } from '../../errors.js';
import { parsePytestSummary } from '../../core/pytest-summary.js';
import { buildTestCommand, selectSuites, TEST_ENV_DEFAULTS } from '../../core/test-plan.js';
import { ExitCode } from '../exit-codes.js';
import { InterruptedError } from '../interrupt.js';
import type { CommandContext } from '../command-spec.js';
import { buildForwardEnv, parseUserEnv } from '../dev-tpu/session.js';
import { planRaySession, withTokenRedaction } from './ray-session.js';
import { runRayJob, type RayJobResult } from './run-job.js';
import type { Redactor } from '../../redact.js';

/** `gdnctl ray-test`: dev-tpu-test's suites as one Ray job on the cluster, the working tree as its working_dir. */
export async function runRayTest(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  // Every usage check happens before any I/O: a bad flag touches nothing.
  const pairs = parseUserEnv(ctx);
  const suites = selectSuites(v.tests, v.testSuites);
  const command = buildTestCommand(suites, v.testSuites, v.pytestArgs);
  const plan = planRaySession(ctx);
  const forwarded = buildForwardEnv(ctx, TEST_ENV_DEFAULTS, pairs);
  const env = forwarded.env;
  const redact = withTokenRedaction(forwarded.redact, plan.token);
  return withRayErrors(ctx, redact, async () => {
    const r = await runRayJob(ctx, { kind: 'test', command, env, redact }, plan);
    const logs = r.outcome.kind === 'no-wait' ? '' : r.outcome.logs;
    const summary = parsePytestSummary(logs) ?? null;
    if (summary) (r.code === ExitCode.ok ? ctx.log.info : ctx.log.error).call(ctx.log, `ray job ${r.submissionId}: ${summary.line}`);
    if (v.json) ctx.stdout.write(JSON.stringify({ ...jobReport(r, plan.target.name), suites, command, summary }, null, 2) + '\n');
    return r.code;
  });
}

export function jobReport(r: RayJobResult, cluster: string): Record<string, unknown> {
  const o = r.outcome;
  return {
    ok: r.code === ExitCode.ok,
    exitCode: r.code,
    cluster,
    rayVersion: r.rayVersion,
    submissionId: r.submissionId,
    reattached: r.reattached,
    status: o.kind === 'ended' ? o.info.status : o.kind,
    ...(o.kind === 'ended' && o.info.driverExitCode !== undefined ? { driverExitCode: o.info.driverExitCode } : {}),
    package: r.package,
  };
}

/** Exit 4 for a cluster that cannot be had, 130 after an interrupt; the message is redacted. */
export async function withRayErrors(ctx: CommandContext, redact: Redactor, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof InterruptedError || ctx.interrupt.signal.aborted) return ExitCode.interrupted;
    if (e instanceof ResourceError) {
      ctx.stderr.write(`gdnctl: ${redact(e.message)}\n`);
      if (ctx.config.values.json) ctx.stdout.write(JSON.stringify({ ok: false, exitCode: ExitCode.resourceUnavailable, error: redact(e.message) }) + '\n');
      return ExitCode.resourceUnavailable;
    }
    throw e;
  }
}
