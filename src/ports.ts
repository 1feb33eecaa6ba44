/**
 * The interfaces between the pure core (src/core) and the adapters that do I/O (src/adapters).
 * Named by role; adapters name their technology (SimpleGitRepo, CodexAgent, GcpTpuProvider, SshRemote…).
 * Every port has an in-process fake in test/fakes/ that passes the same contract suite as its adapter.
 *
 * Expected failures are data (the *Result / *Outcome unions below); exceptions are for bugs and for
 * the typed UsageError / ResourceError in src/cli/exit-codes.ts.
 */

import type { AgentReportParse } from './core/agent-report.js';

// ---------------------------------------------------------------------------------------------- clock

export interface Clock {
  now(): number; // epoch ms
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// ------------------------------------------------------------------------------------------------ git

export interface StatusEntry {
  /** Two-letter porcelain v1 code, e.g. " M", "??", "UU". */
  code: string;
  path: string;
  /** Source path of a rename or copy (porcelain R/C entries). */
  origPath?: string;
}

export interface CommitInfo {
  sha: string;
  subject: string;
  parents: string[];
}

export type MergeResult =
  | { kind: 'up-to-date' }
  | { kind: 'merged'; head: string }
  | { kind: 'conflict'; paths: string[] };

/** Why a stash would not apply cleanly, with the paths to name in the output. */
export type StashTrialResult =
  | { ok: true }
  | { ok: false; reason: 'not-a-stash' | 'local-changes' | 'conflict' | 'untracked-exists' | 'trial-error'; paths: string[] };

export type RevertResult = { kind: 'reverted'; sha: string } | { kind: 'conflict'; paths: string[] };

/** Git, by role. The adapter is SimpleGitRepo (src/adapters/git/simple-git-repo.ts). */
export interface Git {
  readonly root: string;
  head(): Promise<string>;
  /** Branch name, or undefined for a detached HEAD. */
  branch(): Promise<string | undefined>;
  hasCommits(): Promise<boolean>;
  /** `git status --porcelain` (untracked included). Called once per iteration and reused. */
  status(): Promise<StatusEntry[]>;
  /**
   * `git stash push -u -m <message>`; returns the stash **commit SHA** (never a positional stash@{n}),
   * or undefined when there was nothing to stash.
   */
  stashPush(message: string): Promise<string | undefined>;
  /** Would applying this stash onto HEAD succeed? Uses `git merge-tree --write-tree` (no checkout). */
  stashCanApply(sha: string): Promise<boolean>;
  /** stashCanApply with the reason and the paths, for the message that names a kept stash. Optional. */
  stashTrial?(sha: string): Promise<StashTrialResult>;
  /** Apply the stash by SHA, then drop the reflog entry that holds that SHA. */
  stashApplyAndDrop(sha: string): Promise<{ applied: boolean; dropped: boolean }>;
  /** Stash entries still present, by SHA, with messages. */
  stashList(): Promise<Array<{ sha: string; message: string }>>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** Commits in old..new, oldest first. */
  commitsBetween(oldSha: string, newSha: string): Promise<CommitInfo[]>;
  /** Paths changed in old..new. */
  changedPaths(oldSha: string, newSha: string): Promise<string[]>;
  /** Revert old..new as one commit (`git revert --no-commit` newest→oldest, then commit); abort on conflict. */
  revertRange(oldSha: string, newSha: string, message: string): Promise<RevertResult>;
  /** Stage exactly these paths and commit them; returns the new SHA. */
  commitPaths(paths: string[], message: string): Promise<string>;
  fetch(remote: string, branch: string): Promise<void>;
  /** `git merge --no-edit <ref>`; on conflict runs `git merge --abort` and reports the paths. */
  merge(ref: string): Promise<MergeResult>;
  commitExists(sha: string): Promise<boolean>;
  /** Add a pattern to .git/info/exclude once (idempotent). */
  ensureExcluded(pattern: string): Promise<void>;
  /**
   * After a crash (resume): abort a merge or revert the loop left half done (MERGE_HEAD, REVERT_HEAD or a
   * sequencer), returning what was aborted. Optional so older fakes still type-check.
   */
  abortInterruptedOperation?(): Promise<'merge' | 'revert' | undefined>;
}

// ------------------------------------------------------------------------------------------ processes

export interface ProcessSpec {
  /** argv[0] and the rest; no shell unless the caller passes ["bash","-lc",cmd]. */
  argv: string[];
  cwd: string;
  /** Merged over the parent's environment; a key set to undefined is removed. */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  stdin?: string;
  /** Wall-clock limit. */
  timeoutMs?: number;
  /** Kill when no output arrives for this long. */
  idleTimeoutMs?: number;
  /** Each output line (stdout and stderr, in arrival order, without newline). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Complete raw output is appended here (tee), even for gigabytes of output. */
  teeFile?: string;
  signal?: AbortSignal;
  /** Called once the child runs, with its process-group id (recorded in state.json). */
  onSpawn?: (pgid: number) => void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: 'wall' | 'idle' | null;
  aborted: boolean;
  durationMs: number;
  /** Last ~64 KB of combined output, for error messages. */
  tail: string;
}

/**
 * Runs a child in its own process group (detached) and kills the whole group on timeout/abort,
 * escalating SIGINT → SIGTERM → SIGKILL. Waits for exit (never polls). Adapter: ExecaCommandRunner.
 */
export interface CommandRunner {
  run(spec: ProcessSpec): Promise<ProcessResult>;
  /**
   * Kill a process group left over by a killed earlier run (from state.json). With leaderStartTime (from
   * processStartTime(pgid) in src/adapters/process/process-group.ts, recorded at spawn), a pid reused since
   * by an unrelated process is left alone.
   */
  killGroup(pgid: number, graceMs?: number, leaderStartTime?: string): Promise<void>;
}

// ------------------------------------------------------------------------------------------- agents

export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
}

export type AgentFailure =
  | 'agent-timeout'
  | 'agent-idle-timeout'
  | 'agent-exit-nonzero'
  | 'agent-rate-limited'
  | 'agent-network'
  | 'agent-server-error'
  | 'agent-usage-limit'
  | 'agent-auth'
  | 'agent-interrupted';

export interface AgentRunInput {
  iteration: number;
  prompt: string;
  workdir: string;
  /** iter-NNN/ folder: transcript.jsonl, last-message.md, report.json go here. */
  iterDir: string;
  timeoutMs: number;
  idleTimeoutMs: number;
  signal?: AbortSignal;
  onSpawn?: (pgid: number) => void;
  /** Readable rendering for the terminal: messages, commands with exit codes, one line per file change. */
  onDisplay?: (line: string) => void;
  /** JSON Schema for the structured report (codex --output-schema). */
  outputSchemaFile?: string;
  /** Extra sandbox override for a read-only planning pass. */
  sandbox?: 'bypass' | 'workspace-write' | 'read-only';
}

export interface AgentRunResult {
  ok: boolean;
  failure?: AgentFailure;
  /** Human-readable reason (last error message, exit code). */
  detail?: string;
  exitCode: number | null;
  durationMs: number;
  usage: TokenUsage;
  costUsd?: number;
  lastMessage?: string;
  /** The argv that ran (for --dry-run and records). */
  argv: string[];
  /** The structured report parsed from the last message (when outputSchemaFile was given); also in report.json. */
  report?: AgentReportParse;
  /** Agent session id (codex thread_id, claude session_id), when the stream named one. */
  sessionId?: string;
}

/** One agent backend (codex, claude, command). Adapter: CodexAgent; fake: test/fakes/fake-codex. */
export interface AgentRunner {
  readonly name: string;
  /** The argv that would run for this input (pure; used by --dry-run). */
  describe(input: AgentRunInput): string[];
  run(input: AgentRunInput): Promise<AgentRunResult>;
  /**
   * Check the backend can run (binary found, capabilities detected) before the loop touches anything.
   * Throws ResourceError (exit 4) when the binary is missing; returns warnings (e.g. --search unsupported).
   * run() calls it itself when the caller did not.
   */
  preflight?(): Promise<{ warnings: string[] }>;
}

// ---------------------------------------------------------------------------------------------- TPU

export type TpuState =
  | 'CREATING'
  | 'READY'
  | 'RESTARTING'
  | 'REPAIRING'
  | 'DELETING'
  | 'STOPPED'
  | 'STOPPING'
  | 'STARTING'
  | 'PREEMPTED'
  | 'TERMINATED'
  | 'MISSING'
  | 'OTHER';

export interface TpuWorker {
  index: number;
  /** Address ssh connects to (external IP, or internal with --internal-ip). */
  host: string;
}

export interface TpuNode {
  project: string;
  zone: string;
  cluster: string;
  name: string;
  acceleratorType: string;
  state: TpuState;
  workers: TpuWorker[];
  labels: Record<string, string>;
}

export interface TpuLease {
  project: string;
  zone: string;
  cluster: string;
  node: string;
  operation?: string;
  ownerPid: number;
  ownerHost: string;
  createdAt: string;
  /** Where this lease file lives. */
  file: string;
}

/** A held TPU for the loop (TPU issue). The loop only sees this seam. */
export interface TpuHold {
  /** Acquire (primary then fallbacks); undefined under best-effort when none could be had. */
  acquire(signal?: AbortSignal): Promise<TpuNode | undefined>;
  /** getNode; re-acquire when PREEMPTED/TERMINATED/missing. Returns the (possibly new) node. */
  ensureAlive(signal?: AbortSignal): Promise<{ node: TpuNode | undefined; reacquired: boolean }>;
  current(): TpuNode | undefined;
  /** Delete and wait; with `hurry`, send the delete without waiting and record the operation in the lease. */
  release(opts?: { hurry?: boolean }): Promise<void>;
  /** Path of the lease file of the node held or being created (for state.json's tpuLeaseFile). */
  leaseFile?(): string | undefined;
}

// ------------------------------------------------------------------------------------------- remote

export interface RemoteRunResult {
  worker: number;
  exitCode: number | null;
  /** Could not connect (ssh exit 255 after retries). */
  unreachable: boolean;
  output: string;
  /** The address that was tried (absent for fakes). */
  host?: string;
  /** Connection attempts made (1 = connected at once). */
  attempts?: number;
}

/** ssh/rsync to TPU workers. Adapter: SshRemote. */
export interface Remote {
  /** `protect`: extra remote patterns the sync must never delete (ignored paths are always kept). */
  sync(workers: TpuWorker[], localRoot: string, remoteDir: string, files: string[], protect?: string[]): Promise<void>;
  runAll(
    workers: TpuWorker[],
    command: string,
    opts: { env?: Record<string, string>; onLine?: (worker: number, line: string) => void; signal?: AbortSignal },
  ): Promise<RemoteRunResult[]>;
  /** Copy the files under one worker's remoteDir whose names match `patterns` into localDir; returns local paths. */
  fetch?(worker: TpuWorker, remoteDir: string, localDir: string, patterns: string[]): Promise<string[]>;
  /** End shared connections (ssh ControlMaster) so that no ssh process outlives the command. */
  close?(): Promise<void>;
}

// ------------------------------------------------------------------------------------------- ledger

/** The run directory (docs/architecture.md "The run directory"). Adapter: FileLedger. */
export interface Ledger {
  readonly runDir: string;
  iterDir(iteration: number): string;
  /** Append one event line (with schemaVersion and timestamp) to events.jsonl. */
  event(type: string, data?: Record<string, unknown>): Promise<void>;
  /** Atomic write of state.json (temp file, fsync, rename). */
  writeState(state: unknown): Promise<void>;
  readState<T>(): Promise<T | undefined>;
  writeFile(relPath: string, content: string): Promise<string>;
  writeJson(relPath: string, value: unknown): Promise<string>;
}

// ------------------------------------------------------------------------------------------ measure

export type MeasureOutcome = 'promoted' | 'kept-within-noise' | 'regression' | 'inconclusive' | 'no-metric';

export interface MeasureDecision {
  outcome: MeasureOutcome;
  /** True when the loop must revert the iteration's range with a revert commit. */
  revert: boolean;
  /** Candidate statistic (median) and champion statistic, in metric units. */
  candidate?: number;
  champion?: number;
  /** Relative change in %, positive = better in the metric's direction. */
  deltaPct?: number;
  /** e.g. 95 % CI of the relative change. */
  ci?: [number, number];
  runs: number;
  reason: string;
  /** --target reached (🎯). */
  targetReached?: boolean;
}

/** The measure phase (measurement issue). The loop calls it after post-checks pass. */
export interface Measurer {
  /** Ensure a baseline exists for the run (measure it when missing). Refuses a noisy one unless accepted. */
  ensureBaseline(runDir: string, head: string, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Measure the candidate at HEAD against the champion and decide. */
  decide(input: { iteration: number; iterDir: string; head: string; championSha: string; signal?: AbortSignal }): Promise<MeasureDecision>;
  /** HEAD moved by a sync-main merge: re-measure the champion before the next decision. */
  remeasureChampion?(head: string, signal?: AbortSignal): Promise<void>;
}

/** What the loop has learned so far, for the next prompt (leaderboard, reflexion, hotspots, champion). */
export interface IterationMemory {
  /** Values for {{LEADERBOARD}}, {{LAST_REFLEXION}}, {{HOTSPOTS}}, {{CHAMPION}}; missing = "(none yet)". */
  placeholders(iteration: number): Promise<Partial<Record<'LEADERBOARD' | 'LAST_REFLEXION' | 'HOTSPOTS' | 'CHAMPION', string>>>;
  /** Generated directives (e.g. the escalation directive when the last gain was < 3 % on an unchanged hotspot). */
  directives(iteration: number): Promise<string[]>;
  /** Record the finished iteration (writes leaderboard.md, reflexion.md, summary.md…). */
  record(iteration: number, record: Record<string, unknown>): Promise<void>;
  /** End of the run: rewrite leaderboard.md and write final-report.md (optional; added by the measure issue). */
  finalize?(): Promise<void>;
}

// --------------------------------------------------------------------------------------- TPU provider

/** A node's address: the project/zone/node id triple, plus the cluster name it was resolved from. */
export interface TpuNodeRef {
  project: string;
  zone: string;
  cluster: string;
  name: string;
}

export interface TpuCreateSpec extends TpuNodeRef {
  acceleratorType: string;
  runtimeVersion: string;
  labels: Record<string, string>;
  metadata: Record<string, string>;
  network?: string | undefined;
  subnetwork?: string | undefined;
  spot?: boolean | undefined;
  reserved?: boolean | undefined;
  serviceAccount?: string | undefined;
}

/** Expected create failures are data; the hold decides what to do with each. */
export type TpuCreateOutcome =
  | { kind: 'ready'; node: TpuNode; operation?: string }
  | { kind: 'already-exists'; node: TpuNode | undefined }
  | { kind: 'capacity'; message: string; operation?: string }
  | { kind: 'timeout'; message: string; operation?: string }
  | { kind: 'failed'; message: string; code?: number; operation?: string };

/** The Cloud TPU API, by role (GcpTpuProvider). Transient errors are retried inside. */
export interface TpuProvider {
  getNode(ref: TpuNodeRef, signal?: AbortSignal): Promise<TpuNode | undefined>;
  listNodes(project: string, zone: string, cluster: string): Promise<TpuNode[]>;
  /** Poll until READY or a state the node will not leave by itself; undefined when the node is gone. */
  waitReady(ref: TpuNodeRef, timeoutMs: number, signal?: AbortSignal): Promise<TpuNode | undefined>;
  /** Create and wait for READY; `onAccepted` runs once the API has accepted the request (lease time). */
  createNode(
    spec: TpuCreateSpec,
    opts: { readyTimeoutMs: number; queued?: boolean; onAccepted?: (operation: string) => Promise<void>; signal?: AbortSignal },
  ): Promise<TpuCreateOutcome>;
  /** Delete; with `wait` false the call returns once the API accepted it. Missing nodes are not an error. */
  deleteNode(ref: TpuNodeRef, opts?: { wait?: boolean; queued?: boolean }): Promise<{ operation?: string; existed: boolean }>;
  /** Wait until a delete finished: by operation name (resumable by another process), else by polling getNode. */
  waitDeleted(ref: TpuNodeRef, operation?: string, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
