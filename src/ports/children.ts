/**
 * The children of a run, by role. Adapter: ProcRunChildren (src/adapters/process/run-children.ts); fake:
 * FakeRunChildren (test/fakes/run-fakes.ts).
 */

/** One process group the run started, as state.json records it: a resume ends it before anything else runs. */
export interface ChildGroup {
  pgid: number;
  /** The leader's start time (/proc/<pid>/stat), so a pid reused since by a stranger is left alone. */
  startTime?: string;
}

export interface RunChildren {
  /** The variables every child of this process gets (GDNCTL_RUN_MARKER, unique to this process). */
  readonly env: Record<string, string>;
  /** The marker value, recorded in state.json so a resume can end what a killed process left. */
  readonly marker: string;
  /** The groups running now (agent, post-checks, benches, remote commands and syncs). */
  running(): ChildGroup[];
  /** Called when a group starts; returns the unsubscribe. */
  onStart(listener: () => void): () => void;
  /**
   * End these groups (SIGINT, SIGTERM, SIGKILL, a grace apart); one whose leader pid now belongs to a
   * stranger is skipped.
   */
  endGroups(groups: readonly ChildGroup[]): Promise<void>;
  /**
   * End every process of this user started with `marker` (default: this process's own), on Linux through
   * /proc, elsewhere nothing; never this process. Returns the pids found.
   */
  sweep(marker?: string): Promise<number[]>;
}
