/** The run directory, by role (docs/architecture.md "The run directory"). Adapter: FileLedger. */

/** Every event type events.jsonl may hold; a new one is added here first, so readers can switch on them. */
export const LEDGER_EVENT_TYPES = [
  'run-started',
  'resume',
  'phase',
  'operator-stashed',
  'operator-restored',
  'operator-stash-kept',
  'leftovers-stashed',
  'champion-after-sync',
  'plan-written',
  'revert',
  'iteration-recorded',
  'target-reached',
  'bootstrap-accepted',
  'run-done',
  'run-stopped',
  'run-interrupted',
  'limit-wait',
  'tpu-acquired',
  'tpu-allocate-failed',
  'tpu-lost',
  'tpu-reacquired',
  'tpu-reattached',
  'tpu-released',
  'tpu-stale-deleted',
  'round-started',
  'candidate-promoted',
  'round-done',
] as const;
export type LedgerEventType = (typeof LEDGER_EVENT_TYPES)[number];

export interface Ledger {
  readonly runDir: string;
  iterDir(iteration: number): string;
  /** Append one event line (with schemaVersion and timestamp) to events.jsonl. */
  event(type: LedgerEventType, data?: Record<string, unknown>): Promise<void>;
  /**
   * Atomic write of state.json (temp file, fsync, rename). `durable: false` skips the fsync: the write survives
   * a killed process, not an OS crash; for a state an earlier durable write already implies.
   */
  writeState(state: unknown, opts?: { durable?: boolean }): Promise<void>;
  readState<T>(): Promise<T | undefined>;
  writeFile(relPath: string, content: string): Promise<string>;
  writeJson(relPath: string, value: unknown): Promise<string>;
}

/** One run's own ledger, with what a resume needs beyond the Ledger role. Adapter: FileLedger. */
export interface RunLedger extends Ledger {
  /** The run's id: the name of its folder under runs/. */
  readonly runId: string;
  /**
   * Move an interrupted attempt's files aside (iter-NNN/attempt-K/) before the redo, so nothing is overwritten.
   * Returns K, or 0 when the folder held nothing to move.
   */
  archiveAttempt(iteration: number): Promise<number>;
}

/** A run folder as found under runs/: its run.json and, once written, its state.json. */
export interface RunListing {
  runId: string;
  runDir: string;
  run: Record<string, unknown>;
  state: Record<string, unknown> | undefined;
}

/** One run of an experiment, as experiment.json lists it. */
export interface ExperimentRun {
  runId: string;
  startedAt: string;
  endedAt?: string;
  /** The run's status when it last started, resumed or ended (state.json is newer while it runs). */
  status: string;
  firstIteration: number;
  /** The last iteration the run finished; absent while it has finished none. */
  lastIteration?: number;
}

/**
 * <logDir>/experiments/<id>/experiment.json: what outlives a run (docs/codex-loop.md "Experiments and runs").
 * The id is the experiment fingerprint, with `-2`, `-3`, … for the experiments --new-experiment started after it.
 */
export interface ExperimentRecord {
  schemaVersion: 1;
  id: string;
  fingerprint: string;
  createdAt: string;
  /** --iterations as the newest run was given it: the experiment's total. */
  iterations: number;
  /** Oldest first. */
  runs: ExperimentRun[];
}

/** The runs of one log dir, by role. Adapter: FileRunStore (src/adapters/ledger/file-ledger.ts). */
export interface RunStore {
  /** Every run that has a run.json, newest first. */
  list(): Promise<RunListing[]>;
  /** A new run folder, its id made from the start time (sortable) and a random suffix (unique). */
  create(startedAt: Date): Promise<RunLedger>;
  /** The ledger of an existing run (resume). */
  open(runId: string): Promise<RunLedger>;
  /** A run's file as text (a path inside its folder); undefined when it does not exist. */
  readFile(runId: string, relPath: string): Promise<string | undefined>;
  /** Copy a file or a folder from one run's folder into another's; false when the source does not exist. */
  copy(fromRunId: string, toRunId: string, relPath: string): Promise<boolean>;
  readExperiment(id: string): Promise<ExperimentRecord | undefined>;
  /** Written atomically (temp file, rename): a reader sees the old record or the new one. */
  writeExperiment(record: ExperimentRecord): Promise<void>;
}

/** Who owns a run (state.json ownerPid, ownerHost, ownerStartTime). */
export interface RunOwner {
  pid: number;
  host: string;
  /** The owner's process start time as the OS reports it; with it, a reused pid is not mistaken for the owner. */
  startTime?: string | undefined;
}

/**
 * Is a run's recorded owner still running? A process on another host cannot be probed, so it is never taken
 * over. Adapter: ownerLiveness (src/adapters/process/liveness.ts).
 */
export type OwnerProbe = (owner: { pid: number; host: string; startTime?: string | undefined }) => 'alive' | 'dead' | 'other-host';
