/** ssh/rsync to TPU workers, by role. Adapter: SshRemote (src/adapters/remote/ssh-remote.ts). */
import type { TpuWorker } from './tpu.js';

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
  fetch(worker: TpuWorker, remoteDir: string, localDir: string, patterns: string[]): Promise<string[]>;
  /** End shared connections (ssh ControlMaster) so that no ssh process outlives the command. */
  close(): Promise<void>;
}
