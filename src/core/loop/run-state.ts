import type { TokenUsage } from '../../ports/agent.js';
import type { BudgetReason, TimeSpent } from '../budget/caps.js';
import type { ChildGroup } from '../../ports/children.js';
import type { FailureReason } from './outcome.js';
import type { Phase } from './phases.js';
import type { IterationStatus } from './iteration-status.js';

export type RunStatus = 'running' | 'interrupted' | 'done' | 'stopped';

/** One line of the final summary table, kept in state.json so a resumed run prints the whole table. */
export interface IterationSummary {
  iteration: number;
  outcome: 'kept' | 'no-change' | 'failed';
  /** Finer than outcome (promoted, kept-within-noise, regression-reverted, …); absent in older state files. */
  status?: IterationStatus;
  targetReached?: boolean;
  reason?: FailureReason;
  commit?: string;
  durationMs: number;
  tokens: TokenUsage;
}

/**
 * state.json: where the run stands. Written atomically wherever a resume needs it (an iteration's start, the
 * operator's stash, headBefore before an agent runs, the agent's process group, leftovers, the record), so a
 * run killed at any point can be resumed (docs/architecture.md "Resume").
 */
export interface RunState {
  schemaVersion: 1;
  runId: string;
  status: RunStatus;
  ownerPid: number;
  ownerHost: string;
  /** The owner's process start time (absent off Linux): a pid reused since is not taken for the owner. */
  ownerStartTime?: string;
  /** The iteration in progress (or last finished). */
  iteration: number;
  /** Attempt of that iteration (a resume redoes an interrupted iteration as attempt 2, 3, …). */
  attempt: number;
  phase: Phase;
  /** True once the current iteration's record is written. */
  iterationDone: boolean;
  failures: number;
  consecutiveFailures: number;
  /** HEAD when the current iteration's agent started: the range start for verify/revert. */
  headBefore?: string;
  /** The operator's work stashed by this iteration, by commit SHA (never stash@{n}). */
  operatorStash?: string;
  /** Operator stashes that could not be restored cleanly; kept in `git stash list`, never dropped. */
  keptStashes: string[];
  /** Agent leftovers stashed as gdnctl-leftover-iter-NNN. */
  leftoverStashes: string[];
  /** Process group of the running agent; a resume ends it before touching the repository. */
  agentPgid?: number;
  /**
   * Every process group the owner started that is still running (agent, post-checks, benches, ssh, rsync),
   * with each leader's start time: a resume ends them all before anything else runs.
   */
  childGroups?: ChildGroup[];
  /** GDNCTL_RUN_MARKER of the owner's children: a resume ends every process still carrying it (Linux). */
  childMarker?: string;
  champion?: string;
  tpuLeaseFile?: string;
  tokens: TokenUsage;
  completed: IterationSummary[];
  stopMessage?: string;
  /** Why a run ended early: --target reached (🎯), or a run budget ran out. */
  stopReason?: 'target-reached' | BudgetReason;
  /** Wall-clock and TPU chip time the run has spent, for --max-wall-hours and --max-tpu-hours. */
  budgetSpent?: TimeSpent;
  /** Paths protected for the rest of the run because --bootstrap-infra's iteration 0 created them. */
  bootstrapProtect?: string[];
  /** --bootstrap-infra's accepted iteration 0: its commit and the commands it provides for the run. */
  bootstrap?: { commit: string; postCheck?: string; bench?: string };
  updatedAt: string;
}
