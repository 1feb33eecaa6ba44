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
  'tpu-acquired',
  'tpu-allocate-failed',
  'tpu-lost',
  'tpu-reacquired',
  'tpu-reattached',
  'tpu-released',
  'tpu-stale-deleted',
] as const;
export type LedgerEventType = (typeof LEDGER_EVENT_TYPES)[number];

export interface Ledger {
  readonly runDir: string;
  iterDir(iteration: number): string;
  /** Append one event line (with schemaVersion and timestamp) to events.jsonl. */
  event(type: LedgerEventType, data?: Record<string, unknown>): Promise<void>;
  /** Atomic write of state.json (temp file, fsync, rename). */
  writeState(state: unknown): Promise<void>;
  readState<T>(): Promise<T | undefined>;
  writeFile(relPath: string, content: string): Promise<string>;
  writeJson(relPath: string, value: unknown): Promise<string>;
}
