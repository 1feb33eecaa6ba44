import { hostname } from 'node:os';
import { delimiter, relative } from 'node:path';
import { createAgentRunner } from '../../adapters/agents/create-agent-runner.js';
import { runReportSchema } from '../../adapters/agents/agent-report-files.js';
import { FileRunStore } from '../../adapters/ledger/file-ledger.js';
import { ChildProcessRunner } from '../../adapters/process/child-process-runner.js';
import { ownerLiveness, processStartTime } from '../../adapters/process/liveness.js';
import { ProcRunChildren } from '../../adapters/process/run-children.js';
import { acquireRunLock, runLockPath } from '../../adapters/run-lock.js';
import type { Config } from '../../config/schema.js';
import { sharedSettingsEnv } from '../../config/shared-env.js';
import { configFingerprint, experimentFingerprint } from '../../core/loop/fingerprint.js';
import type { LoopConsole } from '../../core/loop/engine.js';
import { loopSettings } from '../../core/loop/settings.js';
import { RunSession, type RunOutcome } from '../../core/run/run-session.js';
import { ResourceError } from '../../errors.js';
import { gdnctlBinDir } from '../../package-root.js';
import type { Redactor } from '../../redact.js';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { buildLoopExtras, loopRedactor, packageVersion, preloadLoopExtras, systemClock, textFiles } from '../loop-deps.js';
import { loopExitCode } from '../loop-exit.js';
import { bootstrapPlan } from './bootstrap-run.js';
import { renderDryRun } from './dry-run.js';
import { streamConsole, summaryTable } from './loop-console.js';
import { preflight } from './preflight.js';
import { loopProtectGlobs } from './protect-set.js';
import { parallelK } from '../../core/parallel/plan.js';
import { runWatch } from './run-watch.js';

/** `gdnctl codex-loop`, the composition root: preflight, build the adapters, run the session, report. */
export async function runCodexLoop(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  // One redactor for the whole run: the ledger, the console and the agents all pass through it.
  const redact = loopRedactor(v, ctx.env);
  const out = streamConsole(ctx.stderr, v.quiet, redact);
  void preloadLoopExtras().catch(() => undefined);
  const pre = await preflight(v, ctx.env, ctx.log);
  const git = pre.git;
  const killGraceMs = Number(ctx.env.GDNCTL_KILL_GRACE_MS ?? 10_000);
  const runner = new ChildProcessRunner({ killGraceMs });
  // One source for the settings children share with the loop (docs/architecture.md "What post-checks see"):
  // post-checks, benches and the agent's own `gdnctl …` commands read the loop's values, not their defaults.
  // Every child carries this process's marker too, so what leaves its process group is still found (run-children.ts).
  const children = new ProcRunChildren(killGraceMs);
  const settingsEnv = { ...sharedSettingsEnv(v), ...children.env };
  const binDir = gdnctlBinDir();
  // The agent finds this gdnctl first on PATH (its shell may still reset PATH: the prompt names it by path too).
  const agentEnv = { ...ctx.env, ...settingsEnv, PATH: [binDir, ctx.env.PATH].filter(Boolean).join(delimiter) };
  const agent = createAgentRunner(v, { runner, env: agentEnv, cwd: v.workdir, redact });
  try {
    for (const w of (await agent.preflight()).warnings ?? []) out.warn(w);
  } catch (e) {
    if (!(e instanceof ResourceError)) throw e;
    ctx.stderr.write(`gdnctl: ${e.message}\n`);
    return ExitCode.resourceUnavailable;
  }
  // Computed once: the protected set is --protect plus, by default, what the bench and the checks are made of.
  const protect = loopProtectGlobs(v, ctx.config.repoRoot);
  const settings = loopSettings({ ...v, iterations: pre.iterations, protect }, {
    promptTemplate: pre.promptTemplate, promptFile: v.promptFile, directives: pre.directives, binDir, ledgerRel: relative(git.root, v.logDir),
  });
  if (v.dryRun) {
    ctx.stdout.write(await renderDryRun({ settings, agent, git, values: v }));
    return ExitCode.ok;
  }

  // The parallel composition (worktrees, per-candidate measurers, TPU slots, the remote bench site) loads only for
  // --parallel K > 1; with K = 1 its sessionValues is the config itself and there is no engine.
  const parallel = parallelK(v) > 1 ? await import('./parallel-seams.js') : undefined;
  const owner = { pid: process.pid, host: hostname(), startTime: processStartTime(process.pid) };
  // The heartbeat and --notify-cmd (run-watch.ts): the notifier is one more subscriber of the loop's events.
  const watch = runWatch(v, ctx.env, out, owner, settings.iterations, redact);
  const session = new RunSession(settings, {
    // A clean preflight status stands for the first iteration's; any entry (the run directory before it is
    // excluded, say) makes the guard look again.
    git, startSnapshot: pre.snapshot.entries.length === 0 ? pre.snapshot : undefined, agent, runner, clock: systemClock, files: textFiles, console: watch.console, signal: ctx.interrupt.signal, env: { ...ctx.env, ...settingsEnv }, reportSchema: runReportSchema(),
    runs: new FileRunStore(v.logDir, redact),
    owner,
    probeOwner: ownerLiveness,
    killGraceMs,
    children,
    extras: (ledger) => {
      watch.opened(ledger.runDir);
      return buildLoopExtras({ values: parallel ? parallel.sessionValues(v) : v, env: ctx.env, log: ctx.log, workdir: v.workdir, runDir: ledger.runDir, logDir: v.logDir, redact, settingsEnv, commitSubject: (sha) => git.commitSubject(sha), knownSubject: (sha) => git.knownSubject(sha) }, ledger);
    },
    alert: (m) => ctx.stderr.write(redact(`gdnctl: ${m}\n`)),
    engine: parallel?.parallelEngineFor({ values: v, env: ctx.env, agentEnv, log: ctx.log, runner, redact, settingsEnv, repoRoot: git.root, killGraceMs, onHurry: (fn) => ctx.interrupt.onHurry(fn) }),
  }, {
    newRun: v.newRun,
    newExperiment: v.newExperiment,
    experiment: experimentFingerprint(v as unknown as Record<string, unknown>),
    record: { fingerprint: configFingerprint(v as unknown as Record<string, unknown>), config: v, versions: { gdnctl: await packageVersion(), node: process.version }, branch: pre.branch },
    bootstrap: bootstrapPlan(v, ctx, redact, settingsEnv),
  });
  const lock = await acquireRunLock({ file: runLockPath(await git.gitDir()), command: `gdnctl codex-loop --iterations ${settings.iterations}` });
  if (lock.warning) out.warn(lock.warning);
  const stopHurry = ctx.interrupt.onHurry(() => {
    out.warn('second signal: hurrying the exit (stashes are still kept)');
    session.hurry();
  });
  let outcome: RunOutcome;
  try {
    outcome = await session.execute();
  } catch (e) {
    await watch.finished({ error: e as Error });
    throw e;
  } finally {
    stopHurry();
    await lock.release();
  }
  await watch.finished({ result: outcome.result });
  if (outcome.nothingToDo) {
    ctx.stderr.write(`gdnctl: ${outcome.nothingToDo}\n`);
    return ExitCode.ok;
  }
  return report(ctx, v, outcome, out, redact);
}

/** The end of a run on the terminal: the summary table and results on stdout, the reason to stderr; the exit code. */
function report(ctx: CommandContext, v: Config, { result, state }: RunOutcome, out: LoopConsole, redact: Redactor): number {
  ctx.stdout.write('\n' + summaryTable(state.completed, state.tokens));
  if (result.kind === 'stopped') ctx.stderr.write(redact(`gdnctl: ${result.stop.message}\n`));
  if (result.kind === 'target-reached') {
    const value = result.value === undefined ? '' : ` (${v.metric ?? 'metric'} ${result.value}, target ${v.target})`;
    ctx.stdout.write(`🎯 target reached at iteration ${result.iteration}${value}; stop reason: target-reached\n`);
  }
  if (state.keptStashes.length) out.warn(`stashes kept for you (git stash list): ${state.keptStashes.map((s) => s.slice(0, 12)).join(', ')}`);
  if (result.kind === 'interrupted') ctx.stderr.write(`gdnctl: interrupted by ${result.signalName}; run the same command again to resume\n`);
  return loopExitCode(result);
}
