/** Child processes, by role. Adapter: ChildProcessRunner (src/adapters/process/child-process-runner.ts). */
import type { Redactor } from '../redact.js';

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
  /**
   * A line too long to hand over whole is redacted before it is cut into pieces, and no cut splits a secret.
   * Complete lines reach onLine as they came: the caller redacts them (it may need to parse them first).
   */
  redact?: Redactor;
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
 * escalating SIGINT → SIGTERM → SIGKILL. Waits for exit (never polls). Adapter: ChildProcessRunner.
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
