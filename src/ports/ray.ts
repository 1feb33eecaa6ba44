import type { EnvSnapshot } from './bench.js';

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

// ── `--bench-on ray`: the benchmark's runs as Ray jobs, a batch of them per job (src/core/measure/batch-plan.ts). ──

/** One run a bench job makes: which tree (`baseline` runs the candidate tree alone), its index, warm-up or not. */
export interface RayBenchRun {
  side: 'champion' | 'candidate' | 'baseline';
  /** 1-based among the side's measured runs of the decision (warm-ups count separately, from 1 in each batch). */
  index: number;
  warmup: boolean;
}

/** What one run of a bench job gave: its metric, or why there is none with its output's tail. */
export type RayBenchSample =
  | { run: RayBenchRun; ok: true; value: number; durationMs: number }
  | { run: RayBenchRun; ok: false; reason: string; tail: string };

export interface RayBenchBatchInput {
  /** The candidate tree: the working tree at this commit. */
  head: string;
  /** The champion tree, for a comparison; absent for a baseline. */
  championSha?: string | undefined;
  runs: RayBenchRun[];
  /** The candidate tree's folder when it is not the working tree (a baseline re-measured at its own commit). */
  treeDir?: string | undefined;
  /** Where the job's record goes (before the submit) and where a resumed attempt's record is looked for. */
  recordDir: string;
  /** 1-based batch of this measurement: each has its own record. */
  batch: number;
  signal?: AbortSignal | undefined;
}

export interface RayBenchBatchResult {
  submissionId: string;
  reattached: boolean;
  samples: RayBenchSample[];
  /** The job ended before every run reported (failed, stopped, timed out, could not start). */
  failure?: { reason: string; tail: string } | undefined;
  /** The snapshot of the host the job ran on (its fingerprint keys the measurement as on the TPU). */
  env?: EnvSnapshot | undefined;
}

/** The benchmark as Ray jobs: both trees of a decision in one job's working dir, so both sides share one host. */
export interface RayBench {
  runBatch(input: RayBenchBatchInput): Promise<RayBenchBatchResult>;
  /** Where, for bench.json and messages ("Ray cluster team"). */
  label(): string;
}
