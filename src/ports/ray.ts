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

/** A decision's or baseline's side: a tree of its package (`baseline` runs the candidate tree alone). */
export type RayBenchSide = 'champion' | 'candidate' | 'baseline';
/** A finalists' ranking job names its trees `f1 … fN`, one per finalist (docs/ray.md). */
export type RayFinalistSide = `f${number}`;

/** One run a bench job makes: which tree, its index, warm-up or not. */
export interface RayBenchRun<S extends string = RayBenchSide> {
  side: S;
  /** 1-based among the side's measured runs of the decision (warm-ups count separately, from 1 in each batch). */
  index: number;
  warmup: boolean;
}

/** What one run of a bench job gave: its metric, or why there is none with its output's tail. */
export type RayBenchSample<S extends string = RayBenchSide> =
  | { run: RayBenchRun<S>; ok: true; value: number; durationMs: number }
  | { run: RayBenchRun<S>; ok: false; reason: string; tail: string };

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

export interface RayBenchBatchResult<S extends string = RayBenchSide> {
  submissionId: string;
  reattached: boolean;
  samples: RayBenchSample<S>[];
  /** The job ended before every run reported (failed, stopped, timed out, could not start). */
  failure?: { reason: string; tail: string } | undefined;
  /** The snapshot of the host the job ran on (its fingerprint keys the measurement as on the TPU). */
  env?: EnvSnapshot | undefined;
}

/** A job of N named trees (the finalists' ranking under --parallel): every tree in one working dir, one host. */
export interface RayBenchSidesInput {
  /** Side `f<i>` is `trees[i-1]`: its folder (packaged as it is, as the candidate tree is) and its commit. */
  trees: ReadonlyArray<{ dir: string; head: string }>;
  runs: RayBenchRun<RayFinalistSide>[];
  recordDir: string;
  /** The job's record in recordDir (`ray-bench-<name>.json`), looked for again by a resumed ranking. */
  name: string;
  /** More metadata for the job (the round, the finalists' candidates). */
  metadata?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
}

/** The benchmark as Ray jobs: both trees of a decision in one job's working dir, so both sides share one host. */
export interface RayBench {
  runBatch(input: RayBenchBatchInput): Promise<RayBenchBatchResult>;
  /** One job over N named trees (`f1 … fN`), the runs in the order given. */
  runSides?(input: RayBenchSidesInput): Promise<RayBenchBatchResult<RayFinalistSide>>;
  /** Where, for bench.json and messages ("Ray cluster team"). */
  label(): string;
}
