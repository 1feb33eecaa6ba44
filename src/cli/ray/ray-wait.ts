import { ResourceError, UsageError } from '../../errors.js';
import { createRedactor } from '../../redact.js';
import { parsePytestSummary } from '../../core/pytest-summary.js';
import type { CommandContext } from '../command-spec.js';
import { followJob } from './follow-job.js';
import { openRaySession, planRaySession, withTokenRedaction, type RaySession } from './ray-session.js';
import { outcomeCode } from './run-job.js';
import { withRayErrors } from './ray-test.js';

function submissionIdArg(ctx: CommandContext): string {
  const id = ctx.args[0]?.trim();
  if (!id) throw new UsageError('a submission id is required, e.g. gdnctl ray-wait gdnctl-test-20261201T120000Z-a1b2c3');
  return id;
}

/** Open the session and check the job exists; the caller closes the session. */
async function sessionForJob(ctx: CommandContext, id: string): Promise<{ session: RaySession; redact: (t: string) => string }> {
  const plan = planRaySession(ctx);
  const redact = withTokenRedaction(createRedactor(ctx.env), plan.token);
  const session = await openRaySession(ctx, plan, redact);
  if (!(await session.jobs.status(id))) {
    await session.close();
    throw new ResourceError(`ray cluster ${session.target.name} has no job ${id}; list them in the dashboard or check --cluster`);
  }
  return { session, redact };
}

/**
 * `gdnctl ray-wait <id>`: follow a job to its end and exit with its outcome (0, 1, 4). An interrupt leaves the
 * job running (whoever submitted it with --no-wait owns it); --timeout stops it, as the loop's job budget does.
 */
export async function runRayWait(ctx: CommandContext): Promise<number> {
  const id = submissionIdArg(ctx);
  const redact0 = createRedactor(ctx.env);
  return withRayErrors(ctx, redact0, async () => {
    const v = ctx.config.values;
    const { session, redact } = await sessionForJob(ctx, id);
    try {
      const out = v.json ? ctx.stderr : ctx.stdout;
      const outcome = await followJob(session.jobs, id, {
        pollMaxMs: v.rayPollSeconds * 1000,
        ...(v.rayTimeoutSeconds !== undefined ? { timeoutMs: v.rayTimeoutSeconds * 1000 } : {}),
        signal: ctx.interrupt.signal,
        stopOnInterrupt: false,
        ...(v.rayShowLogs ? { onLine: (line: string) => out.write(`[ray] ${redact(line)}\n`) } : {}),
      });
      const code = outcomeCode(ctx, id, outcome);
      const status = outcome.kind === 'ended' ? outcome.info.status : outcome.kind;
      if (outcome.kind === 'ended') ctx.log.info(`ray job ${id}: ${status}`);
      if (v.json) {
        const summary = parsePytestSummary(outcome.logs) ?? null;
        ctx.stdout.write(JSON.stringify({ ok: code === 0, exitCode: code, submissionId: id, status, summary }, null, 2) + '\n');
      }
      return code;
    } finally {
      await session.close();
    }
  });
}

/** `gdnctl ray-logs <id>`: the job's logs so far, the last --tail lines, filtered by --grep. */
export async function runRayLogs(ctx: CommandContext): Promise<number> {
  const id = submissionIdArg(ctx);
  const v = ctx.config.values;
  let grep: RegExp | undefined;
  try {
    grep = v.rayLogGrep ? new RegExp(v.rayLogGrep) : undefined;
  } catch (e) {
    throw new UsageError(`--grep ${v.rayLogGrep}: not a regular expression (${(e as Error).message}); fix the pattern`);
  }
  return withRayErrors(ctx, createRedactor(ctx.env), async () => {
    const { session, redact } = await sessionForJob(ctx, id);
    try {
      let lines = (await session.jobs.logs(id)).split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      if (grep) lines = lines.filter((l) => grep.test(l));
      if (v.rayLogTail > 0) lines = lines.slice(-v.rayLogTail);
      for (const l of lines) ctx.stdout.write(redact(l) + '\n');
      return 0;
    } finally {
      await session.close();
    }
  });
}
