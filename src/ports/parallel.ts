/**
 * What the parallel-candidates orchestrator (src/core/parallel/) needs beyond the loop's own ports: the
 * candidates' git worktrees, each candidate's seams (git, agent, measurer, TPU), the finalist round's
 * benchmark and the champion record. Adapters: src/adapters/git/candidate-worktrees.ts and
 * src/cli/loop/parallel-seams.ts (which composes the loop's own adapters per candidate).
 */
import type { AgentRunner } from './agent.js';
import type { BenchRunner, BenchSample, IterationMemory, Measurer } from './bench.js';
import type { LedgerEventType } from './ledger.js';
import type { Git } from './git.js';
import type { TpuHold } from './tpu.js';

/** How a winner's range came onto the loop's branch, or why it did not. */
export type PromoteResult =
  /** The branch had not moved since the round started: its tip is now the winner's, same commits. */
  | { kind: 'fast-forward'; head: string }
  | { kind: 'cherry-picked'; head: string }
  /** The range did not apply commit by commit: one merge commit (its post-checks must run again). */
  | { kind: 'merged'; head: string }
  | { kind: 'conflict'; paths: string[] };

export interface CandidateTree {
  dir: string;
  /** Uncommitted leftovers found in the reused worktree, stashed by SHA (never discarded). */
  leftoverStash?: string | undefined;
  /** The branch held commits of an earlier attempt: its old tip, kept under this ref. */
  keptRef?: string | undefined;
}

/** The run's candidate worktrees, `<logDir>/worktrees/<run>/c<k>`. */
export interface CandidateTrees {
  /**
   * Slot k's worktree on `branch` at `sha`: created, or reused with its leftovers stashed by SHA and an earlier
   * tip of `branch` kept under a ref first.
   */
  open(slot: number, branch: string, sha: string): Promise<CandidateTree>;
  /**
   * Slot k's worktree removed (its branch stays): uncommitted work in it is stashed first, the stash's SHA
   * returned. Throws when git will not remove it.
   */
  remove?(slot: number): Promise<{ stash?: string | undefined }>;
  /** Bring base..tip onto the operator's branch (checked out in the operator's tree at base, or past it). */
  promote(base: string, tip: string, message: string): Promise<PromoteResult>;
}

/** One candidate's own adapters, working in its worktree (and, with --hold-dev-tpu, on its own node). */
export interface CandidateSeams {
  git: Git;
  agent: AgentRunner;
  /** Tests the candidate against the champion at α/K; undefined without --bench. */
  measurer?: Measurer | undefined;
  /** What post-checks and the agent start from (the slot's GDNCTL_TPU_* with its node). */
  env: NodeJS.ProcessEnv;
  /** Slot k's node, held for the whole run (--hold-dev-tpu: `<name>-k`); its post-checks see only this one. */
  tpu?: TpuHold | undefined;
  /** The memory as the candidate's prompt sees it (the managed-TPU directive naming its node in front). */
  memory?: ((inner: IterationMemory | undefined) => IterationMemory | undefined) | undefined;
}

/**
 * The finalists' benchmark: one run in a folder, or (`runAll`, when the site runs a whole round at once, as a Ray
 * job holding every finalist's tree) every run of the ranking round in the order given, one sample each.
 */
export interface FinalistBench extends BenchRunner {
  runAll?(dirs: readonly string[], signal?: AbortSignal): Promise<BenchSample[]>;
}

/** An events.jsonl line, written by the run's one writer. */
export type ReportEvent = (type: LedgerEventType, data: Record<string, unknown>) => Promise<void>;

export interface ParallelPorts {
  trees: CandidateTrees;
  /** Candidate `slot`'s seams in `dir`, its measurer set up against the run's champion at `championSha`. */
  seams(slot: number, dir: string, championSha: string, signal: AbortSignal, report: ReportEvent): Promise<CandidateSeams>;
  /** One benchmark run in a folder, for the finalists' ranking round; undefined without --bench. */
  finalistBench?: FinalistBench | undefined;
  /** After the ranking round: the finalist benchmark's connections closed (on the TPU). */
  finalistsDone?: (() => Promise<void>) | undefined;
  /**
   * The run's baseline, measured once all K nodes are held (--bench-on tpu: on node 1); undefined when the
   * session measured it before the engine started.
   */
  baseline?: ((head: string, signal: AbortSignal) => Promise<{ ok: true } | { ok: false; reason: string }>) | undefined;
  /** The run's champion.json becomes the promoted candidate's, at `sha` (its commit on the loop's branch). */
  championPromoted(slot: number, sha: string, iteration: number): Promise<void>;
  /** iter-NNN/record.json as written, for a candidate a resumed round did not run itself; undefined if absent. */
  readRecord?(iteration: number): Promise<unknown>;
  /** Grace between SIGTERM and SIGKILL when a resume ends a dead run's candidate agents. */
  killGraceMs: number;
  /**
   * With --hold-dev-tpu: every slot's node, acquired together before the first round, so a run that cannot have
   * all K (a project quota) refuses before any agent starts. Throws a ResourceError; the nodes it got stay held
   * for releaseAll. Returns lines the operator should read (nodes of another type than node 1).
   */
  holdAll?(k: number, signal: AbortSignal, report: (slot: number) => ReportEvent): Promise<string[]>;
  /** The slots' TPU holds, released on every way out (empty without --hold-dev-tpu). */
  releaseAll?(opts: { hurry: boolean }): Promise<void>;
}
