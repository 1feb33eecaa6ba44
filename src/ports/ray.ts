/**
 * RayJobs: a Ray cluster's Jobs API as gdnctl uses it (docs/decisions.md "Issue 17: Ray"). The adapter speaks
 * the dashboard's REST API; the fake in test/fakes/ray-emulator.ts passes the same contract
 * (test/contract/ray-jobs-contract.ts).
 *
 *   PENDING ──▶ RUNNING ──▶ SUCCEEDED
 *      │           ├──────▶ FAILED
 *      └───────────┴──────▶ STOPPED      (a stop, or FAILED when the entrypoint could not start)
 */
export type RayJobStatus = 'PENDING' | 'RUNNING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED';

export function isTerminal(s: RayJobStatus): boolean {
  switch (s) {
    case 'PENDING':
    case 'RUNNING':
      return false;
    case 'STOPPED':
    case 'SUCCEEDED':
    case 'FAILED':
      return true;
    default: {
      const never: never = s;
      return never;
    }
  }
}

export interface RayVersion {
  /** The Jobs API version. */
  version: string;
  rayVersion: string;
}

export interface RayJobSpec {
  submissionId: string;
  /** A shell command, run by the job's driver in the unpacked working_dir. */
  entrypoint: string;
  /** `gcs://_ray_pkg_<hash>.zip`, uploaded first. */
  workingDir?: string;
  envVars?: Record<string, string>;
  entrypointResources?: Record<string, number>;
  metadata?: Record<string, string>;
}

export interface RayJobInfo {
  submissionId: string;
  status: RayJobStatus;
  message?: string;
  /** The entrypoint's exit code once it ran; absent when it never started. */
  driverExitCode?: number;
  metadata?: Record<string, string>;
}

export type RaySubmitOutcome = { kind: 'submitted' } | { kind: 'duplicate'; message: string };

export interface RayJobs {
  version(): Promise<RayVersion>;
  packageExists(uri: string): Promise<boolean>;
  uploadPackage(uri: string, zip: Uint8Array): Promise<void>;
  submit(spec: RayJobSpec): Promise<RaySubmitOutcome>;
  /** undefined: the cluster has no job with this id. */
  status(submissionId: string): Promise<RayJobInfo | undefined>;
  /** Everything the job has printed so far. */
  logs(submissionId: string): Promise<string>;
  /** True when a running job was asked to stop; false when it had ended already. */
  stop(submissionId: string): Promise<boolean>;
}
