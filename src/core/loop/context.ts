import type { CommitInfo, StatusEntry, TreeSnapshot } from '../../ports/git.js';
import type { MeasureDecision } from '../../ports/bench.js';
import { Interrupted } from '../../errors.js';
import { BudgetTracker } from '../budget/tracker.js';
import type { LoopDeps } from './deps.js';
import { loopEventStream, type EmitLoopEvent, type PhaseEntered } from './events.js';
import type { IterCtx } from './iteration-record.js';
import { ZERO_TOKENS, type CommitRange, type FailureReason, type IterationResult, type LoopStop } from './outcome.js';
import type { RunState } from './run-state.js';
import type { LoopSettings } from './settings.js';
import { restoreOperatorStashStep, stashLeftoversStep, type TreeStepPorts } from './tree-steps.js';

/** What every iteration of one engine shares. */
export interface LoopRun {
  readonly s: LoopSettings;
  readonly d: LoopDeps;
  readonly state: RunState;
  /** The run's one event stream; the ledger and the console subscribe to it (events.ts). */
  readonly emit: EmitLoopEvent;
  /** Atomic write of state.json, only where a resume needs it (docs/decisions.md); `durable: false`, no fsync. */
  saveState(opts?: { durable?: boolean }): Promise<void>;
  /**
   * What git last said when nothing has touched the tree since: the status (clean at the end of the previous
   * iteration, or preflight's for the first) and HEAD, so the next iteration need not ask again.
   */
  readonly cache: { cleanStatus?: StatusEntry[] | undefined; head?: string | undefined };
  /** The run's budgets (--max-tokens, --max-cost-usd, --max-wall-hours, --max-tpu-hours), when any is set. */
  readonly budget?: BudgetTracker | undefined;
}

/** The iteration context every phase takes: the run, plus what this iteration learned so far. */
export interface IterationContext extends LoopRun {
  readonly it: IterCtx & {
    /** The implementing pass's prompt (prompt, then plan). */
    prompt?: string;
    /** The measurer's verdict (measure → decide). */
    decision?: MeasureDecision;
    /** What the guard around the agent passes found and saw (git-guard.ts). */
    git?: {
      /** The repairs made, in order; the agent phase fails the iteration with the first. */
      violations: GitViolationNote[];
      /** The loop's branch, as the first pass of the iteration found it. */
      branch?: string;
      /** HEAD, branch and status after the last pass's repairs: verify-commit's, when nothing ran since. */
      afterAgent?: TreeSnapshot;
      /** The range's commits as the guard listed them (to = the tip they end at). */
      passCommits?: { to: string; commits: CommitInfo[] };
      /** The paths the range changed (to = its tip), from verify-commit. */
      changed?: { to: string; paths: string[] };
      /**
       * The range from..to read ahead, beside the status after the pass (git-guard.ts readAhead): commits and
       * paths are facts of the two commits, valid whenever the range checked is the same; undefined if git failed.
       */
      ahead?: { from: string; to: string; commits: Promise<CommitInfo[] | undefined>; paths: Promise<string[] | undefined> };
    };
  };
}

/** One repair of the guard around an agent pass: why the iteration fails, and what gdnctl did. */
export interface GitViolationNote {
  reason: FailureReason;
  detail: string;
}

/** What a phase hands back to the driver. */
export type PhaseOutcome =
  | { kind: 'next' }
  | { kind: 'end'; result: IterationResult }
  /** An unvalidated range must be reverted (revert.ts) before the failure is recorded. */
  | { kind: 'revert'; range: CommitRange; reason: FailureReason; detail: string; decision?: MeasureDecision };

export type RevertOutcome = Extract<PhaseOutcome, { kind: 'revert' }>;

export const NEXT: PhaseOutcome = { kind: 'next' };

export function loopRun(s: LoopSettings, d: LoopDeps, state: RunState): LoopRun {
  return {
    s,
    d,
    state,
    emit: loopEventStream(d.ledger, d.console),
    cache: d.startSnapshot ? { cleanStatus: d.startSnapshot.entries, head: d.startSnapshot.head } : {},
    budget: s.budget ? new BudgetTracker(s.budget, state, d.clock, d.tpu, (m) => d.console.warn(m)) : undefined,
    saveState: async (opts) => {
      state.updatedAt = new Date(d.clock.now()).toISOString();
      await d.ledger.writeState(state, opts);
    },
  };
}

/** Iteration i starts: state says which one, a fresh attempt unless a resume numbered it already. */
export function beginIteration(run: LoopRun, i: number): IterationContext {
  const now = run.d.clock.now();
  Object.assign(run.state, { iteration: i, iterationDone: false, headBefore: undefined, agentPgid: undefined });
  run.state.attempt = run.state.attempt > 0 ? run.state.attempt : 1;
  const it = { i, iterDir: run.d.ledger.iterDir(i), startedMs: now, phaseStartedMs: now, durationsMs: {}, tokens: ZERO_TOKENS, agentProcessMs: 0, postCheckProcessMs: 0 };
  return { ...run, it };
}

/** Throws Interrupted once the run's signal fired; phases call it before and after long waits. */
export function check(c: LoopRun): void {
  if (c.d.signal.aborted) throw new Interrupted();
}

/**
 * Enter a phase: its event is in the ledger (and, with `persist`, state.json is written) before the phase's
 * work starts, so a resumed run knows where it stopped. The previous phase's time is booked to it.
 */
export async function enter(c: IterationContext, entered: PhaseEntered, opts: { persist?: boolean; durable?: boolean; checkAbort?: boolean } = {}): Promise<void> {
  if (opts.checkAbort !== false) check(c);
  const now = c.d.clock.now();
  const it = c.it;
  if (it.phase) it.durationsMs[it.phase] = (it.durationsMs[it.phase] ?? 0) + (now - it.phaseStartedMs);
  it.phaseStartedMs = now;
  it.phase = entered.phase;
  c.state.phase = entered.phase;
  await c.emit({ type: 'phase', iteration: it.i, of: c.s.iterations, elapsedMs: now - it.startedMs, ...entered });
  if (opts.persist) await c.saveState(opts.durable === false ? { durable: false } : undefined);
}

/** The iteration fails in the phase it is in. */
export function fail(c: IterationContext, reason: FailureReason, detail: string): PhaseOutcome {
  return { kind: 'end', result: { kind: 'failed', reason, detail, phase: c.it.phase ?? c.state.phase } };
}

export function treePorts(c: LoopRun): TreeStepPorts {
  return { git: c.d.git, state: c.state, saveState: c.saveState, emit: c.emit };
}

/**
 * Anything uncommitted is stashed by SHA under a named message (tree-steps.ts); a clean status is reused.
 * `status`: one just taken, when nothing touched the tree since.
 */
export async function stashLeftovers(c: IterationContext, message: string, status?: StatusEntry[]): Promise<void> {
  const r = await stashLeftoversStep(treePorts(c), c.it.i, message, c.s.requireClean, status);
  c.cache.cleanStatus = r.status.length === 0 ? r.status : undefined;
  if (!c.cache.cleanStatus) c.cache.head = undefined;
  if (r.sha) c.it.leftoverStash = r.sha;
}

/** The operator's stash comes back (tree-steps.ts); returns the stop --stash-restore-policy fail asks for. */
export async function restoreOperatorWork(c: IterationContext): Promise<LoopStop | undefined> {
  const r = await restoreOperatorStashStep(treePorts(c), c.it.i, c.s.stashRestorePolicy);
  if (r?.restored) Object.assign(c.cache, { cleanStatus: undefined, head: undefined });
  return r?.stop;
}

/**
 * The memory's held-back files (leaderboard, reports, the last iteration's summary) are written: once the next
 * agent has spawned, before a sleep, at the end. A write that fails is a warning: the rows are on disk already.
 */
export async function flushMemory(r: LoopRun, scope?: 'agent-running'): Promise<void> {
  await r.d.memory?.flush?.(scope).catch((e: Error) => r.emit({ type: 'warning', message: `writing the memory files failed: ${e.message}` }));
}
