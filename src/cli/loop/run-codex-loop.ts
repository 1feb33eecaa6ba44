import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../ports/clock.js';
import { createAgentRunner } from '../../adapters/agents/create-agent-runner.js';
import { writeReportSchema } from '../../adapters/agents/agent-report-files.js';
import { FileLedger, newRunId } from '../../adapters/ledger/file-ledger.js';
import { ExecaCommandRunner } from '../../adapters/process/execa-command-runner.js';
import { LoopEngine, type TextFiles } from '../../core/loop/engine.js';
import { configFingerprint } from '../../core/loop/fingerprint.js';
import { ZERO_TOKENS, type LoopResult } from '../../core/loop/outcome.js';
import type { RunState } from '../../core/loop/run-state.js';
import { loopSettings, type LoopSettings } from '../../core/loop/settings.js';
import { gdnctlBinDir, packageRoot } from '../../package-root.js';
import { createRedactor } from '../../redact.js';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { ResourceError } from '../../errors.js';
import { buildLoopExtras } from '../loop-deps.js';
import { loopExitCode } from '../loop-exit.js';
import { streamConsole, summaryTable } from './loop-console.js';
import { acquireRunLock, runLockPath } from '../../adapters/run-lock.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { preflight } from './preflight.js';
import { findResumable, recoverRun } from './resume.js';
import { renderDryRun } from './dry-run.js';
import { bootstrapInfra } from './bootstrap-run.js';

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleep(ms, undefined, signal ? { signal } : {});
  },
};

const textFiles: TextFiles = {
  read: async (p) => readFile(p, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e))),
  write: async (p, c) => {
    // A revert can remove the log's folder when the agent created both; git drops empty directories.
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, c);
  },
};

async function packageVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** `gdnctl codex-loop`: preflight, resume or start a run, drive the engine, clean up on every way out. */
export async function runCodexLoop(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  // A token given as a flag is not in the environment; the redactor must know it all the same.
  const redact = createRedactor({ ...ctx.env, GDNCTL_TPU_ACCESS_TOKEN: v.tpuAccessToken ?? ctx.env.GDNCTL_TPU_ACCESS_TOKEN });
  const out = streamConsole(ctx.stderr, v.quiet, redact);
  const pre = await preflight(v, ctx.env, ctx.log);
  const runner = new ExecaCommandRunner({ killGraceMs: Number(ctx.env.GDNCTL_KILL_GRACE_MS ?? 10_000) });
  const agent = createAgentRunner(v, { runner, env: ctx.env, cwd: v.workdir });
  try {
    for (const w of (await agent.preflight()).warnings ?? []) out.warn(w);
  } catch (e) {
    if (e instanceof ResourceError) {
      ctx.stderr.write(`gdnctl: ${e.message}\n`);
      return ExitCode.resourceUnavailable;
    }
    throw e;
  }
  const settings: LoopSettings = loopSettings({ ...v, iterations: pre.iterations }, {
    promptTemplate: pre.promptTemplate,
    promptFile: v.promptFile,
    directives: pre.directives,
    binDir: gdnctlBinDir(),
    ledgerRel: relative(pre.git.root, v.logDir),
  });
  const git = pre.git;
  if (v.dryRun) {
    ctx.stdout.write(await renderDryRun({ settings, agent, git, values: v }));
    return ExitCode.ok;
  }

  const gitDir = (await promisify(execFile)('git', ['rev-parse', '--absolute-git-dir'], { cwd: git.root, env: ctx.env })).stdout.trim();
  const lock = await acquireRunLock({ file: runLockPath(gitDir), command: `gdnctl codex-loop --iterations ${settings.iterations}` });
  if (lock.warning) out.warn(lock.warning);
  let result: LoopResult | undefined;
  let ledger: FileLedger | undefined;
  let state: RunState | undefined;
  const extras: Awaited<ReturnType<typeof buildLoopExtras>> = {};
  const stopHurry = ctx.interrupt.onHurry(() => {
    out.warn('second signal: hurrying the exit (stashes are still kept)');
    void extras.tpu?.release({ hurry: true });
  });
  try {
    const logRel = relative(git.root, v.logDir);
    if (!logRel.startsWith('..') && !isAbsolute(logRel)) await git.ensureExcluded(`/${logRel}/`);
    const fingerprint = configFingerprint(v as unknown as Record<string, unknown>);
    const resumable = v.newRun ? undefined : await findResumable(v.logDir, fingerprint);
    const now = new Date();
    let first = 1;
    if (resumable) {
      ledger = await FileLedger.open(resumable.runDir, redact);
      const previous = resumable.state as unknown as RunState;
      state = { ...previous, ownerPid: process.pid, ownerHost: hostname() };
      out.info(`resuming run ${resumable.runId} at iteration ${state.iteration} (phase ${state.phase} was interrupted)`);
      const run = { ...resumable.run, resumes: [...((resumable.run.resumes as unknown[]) ?? []), { at: now.toISOString(), pid: process.pid }] };
      await ledger.writeJson('run.json', run);
      first = await recoverRun(state, { git, runner, ledger, console: out, killGraceMs: Number(ctx.env.GDNCTL_KILL_GRACE_MS ?? 10_000), requireClean: settings.requireClean });
      state.status = 'running';
      await ledger.writeState(state);
    } else {
      const runId = newRunId(now);
      ledger = await FileLedger.open(join(v.logDir, 'runs', runId), redact);
      state = {
        schemaVersion: 1, runId, status: 'running', ownerPid: process.pid, ownerHost: hostname(), iteration: 1, attempt: 1,
        phase: 'preflight', iterationDone: false, failures: 0, consecutiveFailures: 0, keptStashes: [], leftoverStashes: [],
        tokens: ZERO_TOKENS, completed: [], updatedAt: now.toISOString(),
      };
      await ledger.writeJson('run.json', {
        schemaVersion: 1, runId, startedAt: now.toISOString(), status: 'running', fingerprint, config: v,
        versions: { gdnctl: await packageVersion(), node: process.version }, ownerPid: process.pid, ownerHost: hostname(),
        branch: pre.branch, repo: git.root,
      });
      await ledger.event('run-started', { runId, iterations: settings.iterations, fingerprint });
      await ledger.writeState(state);
      out.info(`run ${runId}: ${settings.iterations} iteration(s); ledger in ${ledger.runDir}`);
    }
    Object.assign(extras, await buildLoopExtras({ values: v, env: ctx.env, log: ctx.log, workdir: v.workdir, runDir: ledger.runDir, logDir: v.logDir }));
    if (extras.tpu) {
      await extras.tpu.acquire(ctx.interrupt.signal);
      // state.json names the lease, so a killed run's TPU can be found from the run directory too.
      state.tpuLeaseFile = extras.tpu.leaseFile();
      await ledger.writeState(state);
    }
    if (v.bootstrapInfra) {
      const boot = await bootstrapInfra({ v, settings, state, git, out, ctx, extras, deps: {
        git, agent, runner, ledger, clock: systemClock, files: textFiles, console: out, signal: ctx.interrupt.signal, env: ctx.env, tpu: extras.tpu,
      } });
      if (boot) result = boot;
      first = Math.max(first, 1);
    }
    if (!result && extras.measurer) {
      const b = await extras.measurer.ensureBaseline(ledger.runDir, await git.head(), ctx.interrupt.signal);
      if (!b.ok) {
        ctx.stderr.write(redact(`gdnctl: baseline refused: ${b.reason}\n`));
        result = { kind: 'stopped', stop: { reason: 'iteration-error', cause: 'policy-fail', iteration: first, message: b.reason } };
      }
    }
    if (!result) {
      const engine = new LoopEngine(settings, {
        git, agent, runner, ledger, clock: systemClock, files: textFiles, console: out, signal: ctx.interrupt.signal, env: ctx.env,
        reportSchema: writeReportSchema,
        tpu: extras.tpu, measurer: extras.measurer, memory: extras.memory,
      }, state);
      result = first > settings.iterations ? { kind: 'done', iterations: settings.iterations } : await engine.run(first);
    }
  } finally {
    stopHurry();
    // docs/architecture.md "The signal path": the engine already ended the agent's group, stashed its leftovers and
    // restored the operator's stash; then the TPU goes, then `interrupted` is written, then exit 130.
    const interrupted = ctx.interrupt.signal.aborted;
    if (interrupted) result = { kind: 'interrupted', signalName: ctx.interrupt.signalName ?? 'SIGINT' };
    await extras.tpu?.release({ hurry: ctx.interrupt.isHurried }).catch((e: Error) => out.warn(`releasing the TPU failed: ${e.message}`));
    if (ledger && state) {
      // No result without a signal means an unexpected error: leave the run resumable.
      if (interrupted || !result) {
        state.status = 'interrupted';
        state.agentPgid = undefined;
        await ledger.writeState(state).catch(() => undefined);
        await ledger.event('run-interrupted', { signal: ctx.interrupt.signalName ?? null, iteration: state.iteration }).catch(() => undefined);
      }
      const run = JSON.parse(await readFile(join(ledger.runDir, 'run.json'), 'utf8').catch(() => '{}')) as Record<string, unknown>;
      await ledger.writeJson('run.json', { ...run, status: state.status, endedAt: new Date().toISOString() }).catch(() => undefined);
    }
    await lock.release();
  }
  if (state) ctx.stdout.write('\n' + summaryTable(state.completed, state.tokens));
  if (result.kind === 'stopped') ctx.stderr.write(redact(`gdnctl: ${result.stop.message}\n`));
  if (result.kind === 'target-reached') {
    const value = result.value === undefined ? '' : ` (${v.metric ?? 'metric'} ${result.value}, target ${v.target})`;
    ctx.stdout.write(`🎯 target reached at iteration ${result.iteration}${value}; stop reason: target-reached\n`);
  }
  if (state?.keptStashes.length) out.warn(`stashes kept for you (git stash list): ${state.keptStashes.map((s) => s.slice(0, 12)).join(', ')}`);
  if (result.kind === 'interrupted') ctx.stderr.write(`gdnctl: interrupted by ${result.signalName}; run the same command again to resume\n`);
  return loopExitCode(result);
}
