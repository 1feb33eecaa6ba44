import { ExitCode } from '../exit-codes.js';
import { ResourceError } from '../../errors.js';
import { InterruptedError } from '../interrupt.js';
import type { CommandContext } from '../command-spec.js';
import { repoFiles } from '../../adapters/remote/local-files.js';
import { parsePytestSummary, type PytestSummary } from '../../core/pytest-summary.js';
import { buildTestCommand, selectSuites, TEST_ENV_DEFAULTS } from '../../core/test-plan.js';
import { workersExitCode } from '../../core/worker-outcome.js';
import type { RemoteRunResult } from '../../ports/remote.js';
import { buildForwardEnv, describeWorkers, openSession, parseUserEnv, type Session } from './session.js';
import type { TpuProvider } from '../../ports/tpu.js';

export interface WorkerReport {
  worker: number;
  host?: string;
  exitCode: number | null;
  unreachable: boolean;
  attempts?: number;
  summary: PytestSummary | null;
}

export function workerReports(results: RemoteRunResult[]): WorkerReport[] {
  return results.map((r) => ({
    worker: r.worker,
    ...(r.host !== undefined ? { host: r.host } : {}),
    exitCode: r.exitCode,
    unreachable: r.unreachable,
    ...(r.attempts !== undefined ? { attempts: r.attempts } : {}),
    summary: parsePytestSummary(r.output) ?? null,
  }));
}

/** Sync (unless --no-sync or local) then run `command` on every worker; errors become exit codes here. */
export async function syncAndRun(ctx: CommandContext, s: Session, command: string, env: Record<string, string>): Promise<RemoteRunResult[]> {
  const v = ctx.config.values;
  if (v.accelerator === 'tpu' && v.sync) {
    const files = await repoFiles(ctx.config.repoRoot);
    ctx.log.info(`sync: ${files.length} files to ${s.remoteDir} on ${describeWorkers(s.target.workers)}`);
    await s.remote.sync(s.target.workers, ctx.config.repoRoot, s.remoteDir, files, v.syncProtect);
  }
  ctx.log.info(`run on ${describeWorkers(s.target.workers)}: ${command.split('\n').join('; ')}`);
  return s.remote.runAll(s.target.workers, `cd ${s.workDirShell} && {\n${command}\n}`, {
    env,
    onLine: s.printLine,
    signal: ctx.interrupt.signal,
  });
}

/** `gdnctl dev-tpu-test`: the configured test suites on every worker of the held (or named) TPU. */
export async function runDevTpuTest(ctx: CommandContext, provider?: () => Promise<TpuProvider>): Promise<number> {
  const v = ctx.config.values;
  // Every usage check happens before any I/O: a bad flag touches nothing.
  const pairs = parseUserEnv(ctx);
  const suites = selectSuites(v.tests, v.testSuites);
  const command = buildTestCommand(suites, v.testSuites, v.pytestArgs);
  const { env, redact } = buildForwardEnv(ctx, TEST_ENV_DEFAULTS, pairs);
  let session: Session | undefined;
  try {
    session = await openSession(ctx, redact, v.json, provider);
    const results = await syncAndRun(ctx, session, command, env);
    if (ctx.interrupt.signal.aborted) return ExitCode.interrupted;
    const code = workersExitCode(results);
    const workers = workerReports(results);
    for (const w of workers) {
      const what = w.unreachable ? `unreachable after ${w.attempts ?? '?'} attempts` : `exit ${w.exitCode}`;
      const msg = `w${w.worker}${w.host ? ` (${w.host})` : ''}: ${what}${w.summary ? ` — ${w.summary.line}` : ''}`;
      if (w.exitCode === 0) ctx.log.info(msg);
      else ctx.log.error(msg);
    }
    if (v.json) {
      const report = { ok: code === ExitCode.ok, exitCode: code, accelerator: v.accelerator, suites, command, target: { source: session.target.source, ...(session.target.node ? { node: session.target.node } : {}) }, workers };
      ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
    }
    return code;
  } catch (e) {
    if (e instanceof InterruptedError || ctx.interrupt.signal.aborted) return ExitCode.interrupted;
    if (e instanceof ResourceError) {
      ctx.stderr.write(`gdnctl: ${redact(e.message)}\n`);
      if (v.json) ctx.stdout.write(JSON.stringify({ ok: false, exitCode: ExitCode.resourceUnavailable, error: redact(e.message) }) + '\n');
      return ExitCode.resourceUnavailable;
    }
    if (e instanceof Error && /^sync: /.test(e.message)) {
      ctx.stderr.write(`gdnctl: ${redact(e.message)}\n`);
      return ExitCode.failed;
    }
    throw e;
  } finally {
    await session?.close();
  }
}
