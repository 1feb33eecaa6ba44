import { relative } from 'node:path';
import type { AgentRunInput } from '../../ports/agent.js';
import type { StatusEntry } from '../../ports/git.js';
import { faultPoint } from '../../fault.js';
import { Interrupted } from '../../errors.js';
import { runAgentPhase, type AgentPhaseResult } from './agent-phase.js';
import { planDirective, runPlanPass } from './plan-pass.js';
import { addTokens, ZERO_TOKENS, type CommitRange, type FailureReason, type IterationRecord, type IterationResult, type LoopResult, type LoopStop } from './outcome.js';
import { phaseLabel, type Phase } from './phases.js';
import { judgeFailure, judgeSuccess } from './policy.js';
import { postCheckEnv, runPostChecks } from './post-check-phase.js';
import { appendDirectives, renderPrompt, type PromptValues } from '../prompt-template.js';
import { pathsOutsideScope, protectedPathHits } from '../protected-paths.js';
import type { RunState } from './run-state.js';
import type { LoopDeps } from './deps.js';
import { buildIterationRecord, type IterCtx } from './iteration-record.js';
import type { LoopSettings } from './settings.js';
import { stampCommit } from '../stamp-log.js';
import { markFailedEntry } from './failed-entry.js';
import { closesOnto, syncMain } from './git-phases.js';
import { judgeDirtyTree } from './dirty-tree.js';
import { leftoverMessage, restoreOperatorStash, revertUnvalidated, stashLeftovers, type TreeStepDeps } from './tree-steps.js';
import { iterNumber } from '../text/iteration-name.js';

export type { LoopConsole, LoopDeps, TextFiles } from './deps.js';




/**
 * Runs iterations from state.iteration onward against the ports. Holds no I/O of its own. Every phase writes
 * its event (and, where resume needs it, state.json) before its work starts.
 */
export class LoopEngine {
  /** Set by record() when a kept iteration's decision reached --target. */
  private targetHit: { value?: number } | undefined;
  /** Status taken at the end of the previous iteration, reused when nothing ran in between (no sleep). */
  private cachedStatus: StatusEntry[] | undefined;

  constructor(
    private readonly s: LoopSettings,
    private readonly d: LoopDeps,
    private readonly state: RunState,
  ) {
  }

  get runState(): RunState {
    return this.state;
  }

  async saveState(): Promise<void> {
    this.state.updatedAt = new Date(this.d.clock.now()).toISOString();
    await this.d.ledger.writeState(this.state);
  }

  async run(first: number): Promise<LoopResult> {
    for (let i = first; i <= this.s.iterations; i++) {
      if (this.d.signal.aborted) return this.interrupted();
      let stop: LoopStop | undefined;
      try {
        if (this.d.tpu && this.d.tpu.current()) {
          // A preempted node is replaced before the agent needs it; directives and post-checks see the new one.
          const alive = await this.d.tpu.ensureAlive(this.d.signal);
          if (alive.reacquired) this.d.console.warn(`the held TPU was lost; now holding ${alive.node?.name ?? 'none'} in ${alive.node?.zone ?? '-'}`);
        }
        stop = await this.iteration(i);
      } catch (e) {
        if (e instanceof Interrupted || this.d.signal.aborted) return this.interrupted();
        throw e;
      }
      if (this.targetHit && !stop) {
        const hit = this.targetHit;
        this.targetHit = undefined;
        const value = hit.value === undefined ? '' : ` (${hit.value})`;
        await this.d.ledger.event('target-reached', { iteration: i, ...(hit.value === undefined ? {} : { value: hit.value }), stops: !this.s.continueAfterTarget });
        if (!this.s.continueAfterTarget) {
          this.d.console.info(`🎯 target reached at iteration ${i}${value}; stopping (--continue-after-target keeps going)`);
          this.state.status = 'done';
          this.state.stopReason = 'target-reached';
          await this.saveState();
          await this.d.ledger.event('run-done', { iterations: i, stopReason: 'target-reached' });
          return { kind: 'target-reached', iteration: i, ...(hit.value === undefined ? {} : { value: hit.value }) };
        }
        this.d.console.info(`🎯 target reached at iteration ${i}${value}; continuing (--continue-after-target)`);
      }
      if (stop) {
        this.state.status = 'stopped';
        this.state.stopMessage = stop.message;
        await this.saveState();
        await this.d.ledger.event('run-stopped', { ...stop });
        return { kind: 'stopped', stop };
      }
      if (i < this.s.iterations && this.s.sleepMs > 0) {
        this.cachedStatus = undefined;
        await this.d.clock.sleep(this.s.sleepMs, this.d.signal).catch(() => undefined);
      }
    }
    if (this.d.signal.aborted) return this.interrupted();
    this.state.status = 'done';
    await this.saveState();
    await this.d.ledger.event('run-done', { iterations: this.s.iterations });
    return { kind: 'done', iterations: this.s.iterations };
  }

  /**
   * One iteration outside the numbered run (--bootstrap-infra's iteration 0): recorded like any other, but
   * the caller judges the outcome. Returns the stop or interruption, or undefined when the policies go on.
   */
  async runOne(i: number): Promise<LoopResult | undefined> {
    try {
      const stop = await this.iteration(i);
      return stop ? { kind: 'stopped', stop } : undefined;
    } catch (e) {
      if (e instanceof Interrupted || this.d.signal.aborted) return this.interrupted();
      throw e;
    }
  }

  private interrupted(): LoopResult {
    const reason = this.d.signal.reason as { signalName?: string } | undefined;
    return { kind: 'interrupted', signalName: reason?.signalName ?? 'SIGINT' };
  }

  private check(): void {
    if (this.d.signal.aborted) throw new Interrupted();
  }

  private async enter(ctx: IterCtx, phase: Phase, data: Record<string, unknown> = {}, persist = false, checkAbort = true): Promise<void> {
    if (checkAbort) this.check();
    const now = this.d.clock.now();
    const prev = ctx.phase;
    if (prev) ctx.durationsMs[prev] = (ctx.durationsMs[prev] ?? 0) + (now - ctx.phaseStartedMs);
    ctx.phaseStartedMs = now;
    ctx.phase = phase;
    this.state.phase = phase;
    await this.d.ledger.event('phase', { iteration: ctx.i, phase, ...data });
    if (persist) await this.saveState();
    const secs = ((now - ctx.startedMs) / 1000).toFixed(1);
    this.d.console.status(`iteration ${ctx.i}/${this.s.iterations} · ${phaseLabel(phase)} · ${secs}s`);
  }

  /** One iteration; returns a stop when the policies end the loop. Throws Interrupted after cleaning up. */
  private async iteration(i: number): Promise<LoopStop | undefined> {
    const now = this.d.clock.now();
    const ctx: IterCtx = { i, iterDir: this.d.ledger.iterDir(i), startedMs: now, phaseStartedMs: now, durationsMs: {}, tokens: ZERO_TOKENS, agentProcessMs: 0, postCheckProcessMs: 0 };
    const startedAt = new Date(now).toISOString();
    Object.assign(this.state, { iteration: i, iterationDone: false, headBefore: undefined, agentPgid: undefined });
    this.state.attempt = this.state.attempt > 0 ? this.state.attempt : 1;
    let result: IterationResult;
    try {
      result = await this.phases(ctx);
    } catch (e) {
      if (e instanceof Interrupted || this.d.signal.aborted) {
        await this.cleanupInterrupted(ctx);
        throw new Interrupted();
      }
      result = { kind: 'failed', reason: 'iteration-error', detail: (e as Error).message, phase: this.state.phase };
    }
    let restoreStop: LoopStop | undefined;
    try {
      // Kept and no-change results were checked in verify-commit (one status per iteration); only a failure
      // can leave edits that no phase looked at yet. By-products of post-checks surface at the next
      // verify-commit and are stashed there, never lost.
      if (result.kind === 'failed') await this.stashLeftovers(ctx, leftoverMessage(i));
      // 'record' is durable before the operator's work comes back, so a resume after a kill from here on does
      // not mistake that work for agent leftovers. No abort check here: the stash must be restored regardless.
      await this.enter(ctx, 'record', {}, true, false);
      restoreStop = await this.restoreOperatorStash(i);
    } catch (e) {
      if (this.d.signal.aborted) throw new Interrupted();
      throw e;
    }
    return this.record(ctx, result, startedAt, restoreStop);
  }

  private async phases(ctx: IterCtx): Promise<IterationResult> {
    const { git } = this.d;
    const i = ctx.i;

    await this.enter(ctx, 'guard-tree', {}, true);
    const status = this.cachedStatus ?? (await git.status());
    this.cachedStatus = undefined;
    const dirty = judgeDirtyTree(status, { requireClean: this.s.requireClean, dirtyPolicy: this.s.dirtyPolicy, ledgerRel: this.s.ledgerRel });
    if (dirty.kind === 'refuse') return fail('dirty-tree', dirty.message, 'guard-tree');
    if (dirty.kind === 'stash') {
      const sha = await git.stashPush(`gdnctl-operator-iter-${iterNumber(i)}`);
      if (sha) {
        // Recorded before anything else happens: a crash from here on must still find the operator's work.
        this.state.operatorStash = sha;
        await this.saveState();
        await this.d.ledger.event('operator-stashed', { iteration: i, sha });
        this.d.console.info(`stashed your uncommitted work as ${sha.slice(0, 12)} (restored after the iteration)`);
        faultPoint('after-stash');
      }
    }

    const sync = this.s.syncMain;
    if (sync.policy === 'each-iteration' || (sync.policy === 'once' && i === 1)) {
      await this.enter(ctx, 'sync-main', { remote: sync.remote, branch: sync.branch });
      const failed = await syncMain(this.d.git, this.s.syncMain, this.d.console, (head) => this.championAfterMerge(i, head));
      if (failed) return failed;
    }

    const headBefore = await git.head();
    ctx.headBefore = headBefore;
    ctx.head = headBefore;
    this.state.headBefore = headBefore;
    this.state.champion ??= headBefore;

    await this.enter(ctx, 'prompt');
    let prompt = await this.buildPrompt(i, headBefore);
    if (this.s.planFirst) {
      await this.enter(ctx, 'plan', {}, true);
      const planned = await this.planPass(ctx, prompt, headBefore);
      if (typeof planned !== 'string' && planned !== undefined) return planned;
      if (planned) prompt = await this.buildPrompt(i, headBefore, [planDirective(`iter-${iterNumber(i)}`, planned)]);
    }
    await this.d.ledger.writeFile(`${relative(this.d.ledger.runDir, ctx.iterDir)}/prompt.md`, prompt);

    await this.enter(ctx, 'agent', { headBefore }, true);
    const outputSchemaFile = this.d.reportSchema ? await this.d.reportSchema(ctx.iterDir) : undefined;
    const agent = await this.agentPass(ctx, { prompt, iterDir: ctx.iterDir, ...(outputSchemaFile ? { outputSchemaFile } : {}) });
    if (agent.result.report) ctx.report = agent.result.report;
    this.check();
    if (!agent.result.ok) {
      const failure = agent.result.failure ?? 'agent-exit-nonzero';
      const detail = `${failure}${agent.result.detail ? `: ${agent.result.detail}` : ''} after ${agent.attempts} attempt(s)`;
      const range = await this.rangeSince(headBefore);
      if (range) return this.revertAndFail(ctx, range, failure, detail, 'agent');
      return fail(failure, detail, 'agent');
    }

    await this.enter(ctx, 'verify-commit');
    const headAfter = await git.head();
    ctx.head = headAfter;
    faultPoint('after-agent-commit');
    await this.stashLeftovers(ctx, leftoverMessage(i));
    if (headAfter === headBefore) {
      if (this.s.requireCommit) return fail('no-commit', 'the agent made no commit', 'verify-commit');
      return { kind: 'no-change' };
    }
    const commits = await git.commitsBetween(headBefore, headAfter);
    if (!closesOnto(commits, headBefore) && !(await git.isAncestor(headBefore, headAfter))) {
      return fail('history-rewritten', `HEAD ${headAfter.slice(0, 12)} does not descend from ${headBefore.slice(0, 12)}: the agent rewound or rewrote history; nothing was reverted`, 'verify-commit');
    }
    const range: CommitRange = { from: headBefore, to: headAfter, shas: commits.map((c) => c.sha) };
    ctx.range = range;
    const changed = await git.changedPaths(headBefore, headAfter);
    const hits = protectedPathHits(changed, [...this.s.protect, ...(this.state.bootstrapProtect ?? [])]);
    if (hits.length > 0) {
      return this.revertAndFail(ctx, range, 'touched-protected-path', `changed protected path(s): ${hits.map((h) => `${h.path} (${h.glob})`).join(', ')}`, 'verify-commit');
    }
    const outside = pathsOutsideScope(changed, this.s.scope).filter((p) => p !== relative(git.root, this.s.hillclimbLog));
    if (outside.length > 0) {
      const shown = outside.slice(0, 10).join(', ') + (outside.length > 10 ? `, … (${outside.length} in all)` : '');
      return this.revertAndFail(ctx, range, 'outside-scope', `changed path(s) outside the scope (${this.s.scope.join(', ')}): ${shown}`, 'verify-commit');
    }
    await this.saveState();

    await this.enter(ctx, 'stamp');
    ctx.stampSha = await this.stamp(i, headAfter);
    if (ctx.stampSha) ctx.head = ctx.stampSha;

    if (this.s.postChecks.length > 0) {
      await this.enter(ctx, 'post-checks', { commit: headAfter }, true);
      const pc = await runPostChecks({
        runner: this.d.runner,
        clock: this.d.clock,
        checks: this.s.postChecks,
        retries: this.s.postCheckRetries,
        retrySleepMs: this.s.retrySleepMs,
        cwd: this.s.workdir,
        env: postCheckEnv(this.d.env, { iteration: i, runDir: this.d.ledger.runDir, iterDir: ctx.iterDir, commit: headAfter }, this.d.tpu?.current()),
        binDir: this.s.binDir,
        signal: this.d.signal,
        echo: (l) => this.d.console.echo(l),
        saveLog: async (k, text) => {
          await this.d.ledger.writeFile(`${relative(this.d.ledger.runDir, ctx.iterDir)}/post-check-${k}.log`, text);
          if (k === 1) faultPoint('during-post-check');
        },
      });
      ctx.postCheckProcessMs = pc.processMs;
      this.check();
      if (!pc.ok) return this.revertAndFail(ctx, this.fullRange(ctx, range), 'post-check-failed', pc.detail, 'post-checks');
    }

    let decision;
    if (this.d.measurer) {
      await this.enter(ctx, 'measure', { commit: headAfter }, true);
      decision = await this.d.measurer.decide({ iteration: i, iterDir: ctx.iterDir, head: ctx.head ?? headAfter, championSha: this.state.champion ?? headBefore, signal: this.d.signal });
      this.check();
      if (decision.revert) {
        const reason = decision.outcome === 'no-metric' ? 'no-metric' : 'measure-regression';
        const failed = await this.revertAndFail(ctx, this.fullRange(ctx, range), reason, decision.reason, 'measure');
        return failed.kind === 'failed' ? { ...failed, decision } : failed;
      }
    }
    await this.enter(ctx, 'decide');
    const head = ctx.head ?? (await git.head());
    if (!decision || decision.outcome === 'promoted') this.state.champion = head;
    return { kind: 'kept', range, ...(ctx.stampSha ? { stampSha: ctx.stampSha } : {}), ...(decision ? { decision } : {}) };
  }

  /**
   * A sync-main merge moved HEAD: the merge commit holds the champion plus upstream, so it is what the next
   * candidate (built on it) must be compared with. Re-measured first; only then does it become the champion.
   */
  private async championAfterMerge(i: number, head: string): Promise<void> {
    await this.d.measurer?.remeasureChampion(head, this.d.signal);
    this.check();
    this.state.champion = head;
    await this.saveState();
    await this.d.ledger.event('champion-after-sync', { iteration: i, champion: head, remeasured: this.d.measurer !== undefined });
  }

  /** One agent pass (with retries); its tokens and process time add to the iteration's. */
  private async agentPass(ctx: IterCtx, over: Pick<AgentRunInput, 'prompt' | 'iterDir'> & Partial<AgentRunInput>): Promise<AgentPhaseResult> {
    let pending: Promise<void> = Promise.resolve();
    const agent = await runAgentPhase({
      agent: this.d.agent,
      input: {
        iteration: ctx.i,
        workdir: this.s.workdir,
        timeoutMs: this.s.agentTimeoutMs,
        idleTimeoutMs: this.s.agentIdleTimeoutMs,
        onSpawn: (pgid) => {
          this.state.agentPgid = pgid;
          pending = pending.then(() => this.saveState()).then(() => faultPoint('agent-running'));
        },
        onDisplay: (line) => this.d.console.echo(line),
        ...over,
      },
      retries: this.s.agentRetries,
      transientRetries: this.s.transientRetries,
      retrySleepMs: this.s.retrySleepMs,
      maxBackoffMs: this.s.transientMaxBackoffMs,
      clock: this.d.clock,
      signal: this.d.signal,
      betweenAttempts: async (_r, attempt) => {
        await pending;
        await this.stashLeftovers(ctx, leftoverMessage(ctx.i, `attempt-${attempt}`));
      },
      note: (m) => this.d.console.warn(m),
    });
    await pending;
    ctx.tokens = addTokens(ctx.tokens, agent.tokens);
    ctx.agentProcessMs += agent.processMs;
    this.state.tokens = addTokens(this.state.tokens, agent.tokens);
    this.state.agentPgid = undefined;
    return agent;
  }

  /** --plan-first (plan-pass.ts): the read-only planning pass, with the engine's own agent/revert steps. */
  private planPass(ctx: IterCtx, prompt: string, headBefore: string): Promise<string | undefined | IterationResult> {
    return runPlanPass({
      iteration: ctx.i,
      iterDir: ctx.iterDir,
      prompt,
      headBefore,
      requireClean: this.s.requireClean,
      git: this.d.git,
      ledger: this.d.ledger,
      console: this.d.console,
      agentPass: (over) => this.agentPass(ctx, over),
      check: () => this.check(),
      rangeSince: (h) => this.rangeSince(h),
      revertAndFail: (range, reason, detail) => this.revertAndFail(ctx, range, reason, detail, 'plan'),
    });
  }

  private async buildPrompt(i: number, head: string, extraDirectives: string[] = []): Promise<string> {
    const mem = this.d.memory;
    const extra = mem ? await mem.placeholders(i) : {};
    const values: PromptValues = {
      ...extra,
      ITERATION: i,
      TOTAL_ITERATIONS: this.s.iterations,
      HEAD_SHA: head,
      RUN_ID: this.state.runId,
      HILLCLIMB_LOG: relative(this.s.workdir, this.s.hillclimbLog),
    };
    const generated = mem ? await mem.directives(i) : [];
    return appendDirectives(renderPrompt(this.s.promptTemplate, values, this.s.promptFile), [...this.s.directives, ...generated, ...extraDirectives]);
  }

  /** Replace "Commit: this commit" in the log's last entry with the agent's SHA, in the loop's own commit. */
  private async stamp(i: number, sha: string): Promise<string | undefined> {
    const text = await this.d.files.read(this.s.hillclimbLog);
    if (text === undefined) return undefined;
    const stamped = stampCommit(text, sha);
    if (stamped === undefined) return undefined;
    await this.d.files.write(this.s.hillclimbLog, stamped);
    const rel = relative(this.d.git.root, this.s.hillclimbLog);
    return this.d.git.commitPaths([rel], `gdnctl: stamp iteration ${iterNumber(i)}`);
  }

  /** The range from the iteration's start to the current HEAD (agent commits plus our stamp commit). */
  private fullRange(ctx: IterCtx, range: CommitRange): CommitRange {
    const head = ctx.head ?? range.to;
    return head === range.to ? range : { ...range, to: head, shas: [...range.shas, head] };
  }

  private async rangeSince(headBefore: string): Promise<CommitRange | undefined> {
    const head = await this.d.git.head();
    if (head === headBefore || !(await this.d.git.isAncestor(headBefore, head))) return undefined;
    const commits = await this.d.git.commitsBetween(headBefore, head);
    return { from: headBefore, to: head, shas: commits.map((c) => c.sha) };
  }

  /** Undo a failed range with a revert commit (history kept), then report the failure. */
  private async revertAndFail(ctx: IterCtx, range: CommitRange, reason: FailureReason, detail: string, phase: Phase): Promise<IterationResult> {
    await this.stashLeftovers(ctx, leftoverMessage(ctx.i));
    const agentLog = await this.d.files.read(this.s.hillclimbLog);
    const r = await revertUnvalidated(this.d, ctx.i, range, reason, `gdnctl: revert iteration ${iterNumber(ctx.i)} (${reason})`, () => faultPoint('during-revert'));
    if (r.kind === 'conflict') {
      return { kind: 'failed', reason: 'revert-conflict', detail: `reverting ${range.from.slice(0, 12)}..${range.to.slice(0, 12)} conflicts in ${r.paths.join(', ')} (revert aborted); ${detail}`, phase, range };
    }
    ctx.head = r.sha;
    await this.recordFailedEntry(ctx, agentLog, range, reason).catch((e: Error) =>
      this.d.console.warn(`could not record the failed attempt in the hill-climb log: ${e.message.split('\n')[0]}`),
    );
    return { kind: 'failed', reason, detail, phase, range, revertSha: r.sha };
  }

  /**
   * The revert also took back the agent's hill-climb log entry; put it back with `Commit: none (<reason>)`
   * (lint-log accepts it), in a commit of the loop's own, so the next iteration learns what failed.
   */
  private async recordFailedEntry(ctx: IterCtx, agentLog: string | undefined, range: CommitRange, reason: FailureReason): Promise<void> {
    if (agentLog === undefined) return;
    const now = await this.d.files.read(this.s.hillclimbLog);
    const marked = markFailedEntry(agentLog, range.shas, reason);
    if (marked === undefined || marked === now) return;
    await this.d.files.write(this.s.hillclimbLog, marked);
    ctx.head = await this.d.git.commitPaths([relative(this.d.git.root, this.s.hillclimbLog)], `gdnctl: record failed iteration ${iterNumber(ctx.i)} (${reason})`);
  }

  /** Anything uncommitted is stashed by SHA under a named message (tree-steps.ts); a clean status is reused. */
  private async stashLeftovers(ctx: IterCtx, message: string): Promise<void> {
    const r = await stashLeftovers(this.treeDeps(), ctx.i, message, this.s.requireClean);
    this.cachedStatus = r.status.length === 0 ? r.status : undefined;
    if (r.sha) ctx.leftoverStash = r.sha;
  }

  private treeDeps(): TreeStepDeps {
    return { git: this.d.git, ledger: this.d.ledger, console: this.d.console, state: this.state, saveState: () => this.saveState() };
  }

  private async restoreOperatorStash(i: number): Promise<LoopStop | undefined> {
    const r = await restoreOperatorStash(this.treeDeps(), i, this.s.stashRestorePolicy);
    if (r?.restored) this.cachedStatus = undefined;
    return r?.stop;
  }

  private async cleanupInterrupted(ctx: IterCtx): Promise<void> {
    this.state.agentPgid = undefined;
    await this.stashLeftovers(ctx, leftoverMessage(ctx.i));
    await this.restoreOperatorStash(ctx.i);
  }

  private async record(ctx: IterCtx, result: IterationResult, startedAt: string, restoreStop: LoopStop | undefined): Promise<LoopStop | undefined> {
    // Failures of unexpected kinds may have moved HEAD behind the loop's back: ask git then.
    const head = result.kind === 'failed' && result.reason === 'iteration-error' ? await this.d.git.head() : (ctx.head ?? (await this.d.git.head()));
    let stop: LoopStop | undefined;
    let policy: IterationRecord['policy'];
    if (result.kind === 'failed') {
      const j = judgeFailure(result.reason, result.detail, ctx.i, this.s.policies, this.state);
      this.state.failures = j.counters.failures;
      this.state.consecutiveFailures = j.counters.consecutiveFailures;
      policy = j.policy;
      stop = j.stop;
      this.d.console.warn(`iteration ${ctx.i} failed: ${result.reason}: ${result.detail} (${j.policy})`);
    } else {
      Object.assign(this.state, judgeSuccess(this.state));
    }
    stop ??= restoreStop;
    const durationMs = this.d.clock.now() - ctx.startedMs;
    ctx.durationsMs.total = durationMs;
    const rec = buildIterationRecord(ctx, result, {
      attempt: this.state.attempt,
      head,
      ...(policy ? { policy } : {}),
      startedAt,
      endedAt: new Date(this.d.clock.now()).toISOString(),
    });
    await this.d.ledger.writeJson(`${relative(this.d.ledger.runDir, ctx.iterDir)}/record.json`, rec);
    await this.d.memory?.record(ctx.i, rec as unknown as Record<string, unknown>);
    const commit = result.kind === 'kept' ? result.range.to : undefined;
    this.state.completed = this.state.completed.filter((c) => c.iteration !== ctx.i);
    const targetReached = result.kind === 'kept' && result.decision?.targetReached === true;
    if (targetReached) this.targetHit = result.decision?.candidate === undefined ? {} : { value: result.decision.candidate };
    this.state.completed.push({
      iteration: ctx.i,
      outcome: result.kind,
      status: rec.status,
      ...(targetReached ? { targetReached } : {}),
      ...(result.kind === 'failed' ? { reason: result.reason } : {}),
      ...(commit ? { commit } : {}),
      durationMs,
      tokens: ctx.tokens,
    });
    this.state.iterationDone = true;
    this.state.attempt = 0;
    this.state.headBefore = undefined;
    await this.saveState();
    await this.d.ledger.event('iteration-recorded', { iteration: ctx.i, outcome: result.kind, status: rec.status, ...(result.kind === 'failed' ? { reason: result.reason } : {}) });
    return stop;
  }
}

function fail(reason: FailureReason, detail: string, phase: Phase): IterationResult {
  return { kind: 'failed', reason, detail, phase };
}
