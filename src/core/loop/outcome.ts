import type { AgentFailure, TokenUsage } from '../../ports/agent.js';
import type { MeasureDecision } from '../../ports/bench.js';
import type { AgentReportParse } from '../agent-report.js';
import type { BudgetReason } from '../budget/caps.js';
import type { Phase } from './phases.js';

/** Why an iteration did not produce a kept commit. Kebab-case, recorded verbatim in record.json. */
export type FailureReason =
  | AgentFailure
  | 'dirty-tree'
  | 'sync-conflict'
  | 'sync-failed'
  | 'no-commit'
  | 'history-rewritten'
  /** The agent left HEAD detached or on another branch (gdnctl checked the loop's branch out again). */
  | 'head-switched'
  /** The agent moved or deleted an operator branch or tag (put back; its tips kept under refs/gdnctl/moved/). */
  | 'operator-ref-moved'
  /** The agent left a merge, rebase, am, cherry-pick, revert or bisect half done (saved under a ref, aborted). */
  | 'git-operation-left'
  /** The agent left .git/index.lock behind with no git process holding it (removed). */
  | 'index-lock-left'
  /** The agent deleted or emptied the run directory (state.json written again). */
  | 'ledger-deleted'
  /** The agent's commits hold the operator's stashed work (a stash pop or apply, then a commit). */
  | 'operator-work-committed'
  /** The agent's commits track gdnctl's run directory (untracked again, then reverted). */
  | 'ledger-committed'
  | 'touched-protected-path'
  | 'outside-scope'
  | 'plan-pass-modified-tree'
  | 'post-check-failed'
  | 'measure-regression'
  | 'no-metric'
  | 'revert-conflict'
  /** git refused gdnctl's revert commit (signing, a hook): the range stays on the branch. */
  | 'revert-failed'
  | 'stash-restore-conflict'
  | 'iteration-error'
  /** A run budget ran out (--max-tokens, --max-cost-usd, --max-wall-hours, --max-tpu-hours; src/core/budget/). */
  | BudgetReason;
export type { BudgetReason };

/** Which policy governs a failure (docs/architecture.md "The loop": fail / count-failure / continue). */
export type PolicyFamily = 'agent' | 'no-commit' | 'post-check' | 'iteration-error' | 'verify' | 'measure' | 'fatal' | 'budget';

export function policyFamily(reason: FailureReason): PolicyFamily {
  switch (reason) {
    case 'agent-timeout':
    case 'agent-idle-timeout':
    case 'agent-exit-nonzero':
    case 'agent-rate-limited':
    case 'agent-network':
    case 'agent-server-error':
      return 'agent';
    // An exhausted usage limit or a bad login does not heal by retrying; stop with a clear message.
    case 'agent-usage-limit':
    case 'agent-auth':
    case 'agent-interrupted':
    case 'revert-conflict':
    case 'revert-failed':
    case 'stash-restore-conflict':
      return 'fatal';
    case 'no-commit':
      return 'no-commit';
    case 'post-check-failed':
      return 'post-check';
    case 'touched-protected-path':
    case 'outside-scope':
    case 'plan-pass-modified-tree':
    case 'operator-work-committed':
    case 'ledger-committed':
      return 'verify';
    case 'measure-regression':
    case 'no-metric':
      return 'measure';
    case 'dirty-tree':
    case 'sync-conflict':
    case 'sync-failed':
    case 'history-rewritten':
    case 'head-switched':
    case 'operator-ref-moved':
    case 'git-operation-left':
    case 'index-lock-left':
    case 'ledger-deleted':
    case 'iteration-error':
      return 'iteration-error';
    case 'budget-tokens':
    case 'budget-cost':
    case 'budget-wall':
    case 'budget-tpu':
      return 'budget';
    default: {
      const never: never = reason;
      throw new Error(`unknown reason ${String(never)}`);
    }
  }
}

export interface CommitRange {
  from: string;
  to: string;
  shas: string[];
}

export type IterationResult =
  | { kind: 'kept'; range: CommitRange; stampSha?: string; decision?: MeasureDecision }
  | { kind: 'no-change' }
  | {
      kind: 'failed';
      reason: FailureReason;
      detail: string;
      phase: Phase;
      range?: CommitRange;
      /** The revert commit that undid `range`, when there was one. */
      revertSha?: string;
      decision?: MeasureDecision;
    };

export interface IterationRecord {
  schemaVersion: 1;
  iteration: number;
  attempt: number;
  outcome: 'kept' | 'no-change' | 'failed';
  /** What became of the iteration, in the leaderboard's words (iteration-status.ts). */
  status: IterationStatus;
  reason?: FailureReason;
  detail?: string;
  phase?: Phase;
  headBefore: string;
  headAfter: string;
  commits: string[];
  revertSha?: string;
  stampSha?: string;
  leftoverStash?: string;
  operatorStash?: string;
  operatorStashRestored?: boolean;
  decision?: MeasureDecision;
  /** The agent's structured final report (also iter-NNN/report.json), or why it could not be parsed. */
  report?: AgentReportParse;
  /** What the policy did with a failure. */
  policy?: 'counted' | 'continued' | 'stopped';
  tokens: TokenUsage;
  durationsMs: Partial<Record<Phase | 'total', number>>;
  /** Run time of the agent's and the post-checks' own processes; total minus these is the loop's overhead. */
  agentProcessMs: number;
  postCheckProcessMs: number;
  startedAt: string;
  endedAt: string;
}

/** Why the loop stopped early; the CLI edge maps this to an exit code (src/cli/loop-exit.ts). */
export type StopCause = 'policy-fail' | 'budget-total' | 'budget-consecutive' | 'fatal' | 'budget';

export interface LoopStop {
  reason: FailureReason;
  cause: StopCause;
  iteration: number;
  message: string;
}

export type LoopResult =
  | { kind: 'done'; iterations: number }
  /** --target reached (🎯) and --continue-after-target not set: a success, exit 0. */
  | { kind: 'target-reached'; iteration: number; value?: number }
  | { kind: 'stopped'; stop: LoopStop }
  | { kind: 'interrupted'; signalName: string };

export const ZERO_TOKENS: TokenUsage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };

export function addTokens(a: TokenUsage, b: TokenUsage): TokenUsage {
  const sum: TokenUsage = {
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
  };
  // The finer counts appear only once a backend reported them, so older records keep their shape.
  if (a.reasoningOutputTokens !== undefined || b.reasoningOutputTokens !== undefined) sum.reasoningOutputTokens = (a.reasoningOutputTokens ?? 0) + (b.reasoningOutputTokens ?? 0);
  if (a.cacheWriteTokens !== undefined || b.cacheWriteTokens !== undefined) sum.cacheWriteTokens = (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0);
  return sum;
}

/**
 * What became of an iteration, in one word the operator can act on. "kept" alone hid whether a change was a
 * measured win or merely not worse, and "failed" hid whether the work was reverted by a commit or never
 * existed. Measured outcomes use the leaderboard's names (promoted, kept-within-noise, regression, …) with
 * `-reverted` when a revert commit undid them.
 */
export type IterationStatus =
  | 'kept'
  | 'promoted'
  | 'kept-within-noise'
  | 'kept-inconclusive'
  | 'regression-reverted'
  | 'inconclusive-reverted'
  | 'no-metric-reverted'
  | 'reverted-post-check'
  | 'reverted-protected-path'
  | 'reverted-outside-scope'
  | 'reverted'
  | 'no-commit'
  | 'no-change'
  | 'failed'
  /** --parallel: kept on its candidate branch, but another candidate of its round was promoted (or none could be). */
  | 'explored';
