/** Measurement and the iteration memory, by role (docs/architecture.md "Ports"). */

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
  /**
   * The champion after this decision, as the measurer recorded it (champion.json): the candidate's head when
   * promoted, else the commit it was compared with. The loop mirrors it into state.json.
   */
  championSha?: string;
}

/** The measure phase (measurement issue). The loop calls it after post-checks pass. */
export interface Measurer {
  /** Ensure a baseline exists for the run (measure it when missing). Refuses a noisy one unless accepted. */
  ensureBaseline(runDir: string, head: string, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Measure the candidate at HEAD against the champion and decide. */
  decide(input: { iteration: number; iterDir: string; head: string; championSha: string; signal?: AbortSignal }): Promise<MeasureDecision>;
  /** HEAD moved by a sync-main merge: re-measure the champion before the next decision. */
  remeasureChampion(head: string, signal?: AbortSignal): Promise<void>;
}

/** What the loop has learned so far, for the next prompt (leaderboard, reflexion, hotspots, champion). */
export interface IterationMemory {
  /** Values for {{LEADERBOARD}}, {{LAST_REFLEXION}}, {{HOTSPOTS}}, {{CHAMPION}}; missing = "(none yet)". */
  placeholders(iteration: number): Promise<Partial<Record<'LEADERBOARD' | 'LAST_REFLEXION' | 'HOTSPOTS' | 'CHAMPION', string>>>;
  /** Generated directives (e.g. the escalation directive when the last gain was < 3 % on an unchanged hotspot). */
  directives(iteration: number): Promise<string[]>;
  /** Record the finished iteration (writes leaderboard.md, reflexion.md, summary.md…). */
  record(iteration: number, record: Record<string, unknown>): Promise<void>;
  /**
   * Write what record() held back (the loop calls it once the next agent has spawned, before a sleep, at the end).
   * `agent-running`: the files rendered from every row (ledger.json, leaderboard.md, the reports) only when their
   * last write is older than the memory's report interval; they stay pending otherwise, for the next flush.
   */
  flush?(scope?: 'all' | 'agent-running'): Promise<void>;
}

// ── The measurer's own ports: what src/core/measure/measurer.ts needs from the world, nothing more. ──

/** What one worker printed for one benchmark run on the TPU (worker 0's metric is the sample; the rest is kept). */
export interface WorkerRun {
  worker: number;
  host?: string | undefined;
  exitCode: number | null;
  unreachable: boolean;
  /** The metric this worker's own output gave, when it gave one. */
  value?: number | undefined;
  /** Last lines of its output. */
  tail: string;
}

/**
 * A failed run the measurer must treat differently: `tpu-busy` — another process owned the chips (libtpu lets
 * one process hold them), so the run measured nothing of the candidate.
 */
export type BenchFailureKind = 'tpu-busy';

/** One run of the benchmark: its metric, or why there is none with the output's tail (never a zero). */
export type BenchSample =
  | { ok: true; value: number; durationMs: number; workers?: WorkerRun[] | undefined }
  | { ok: false; reason: string; tail: string; kind?: BenchFailureKind | undefined; workers?: WorkerRun[] | undefined };

/** Runs the configured benchmark command once in a folder (the working tree or a champion checkout). */
export interface BenchRunner {
  run(cwd: string, signal?: AbortSignal): Promise<BenchSample>;
}

/** A checkout of a commit beside the working tree, so champion and candidate can run interleaved. */
export interface WorktreeProvider {
  /**
   * Run fn in a checkout of `sha`. A local checkout is gone when the promise settles, whatever fn did; a
   * persistent one (`keepsTrees`: the champion tree on the TPU workers) stays and is reused while it holds `sha`.
   */
  withCheckout<T>(sha: string, fn: (dir: string) => Promise<T>): Promise<T>;
  readonly keepsTrees?: boolean;
}

/** After a failed run on the TPU: is the TPU still there? */
export type SiteRecovery =
  | { kind: 'alive' }
  /** It was lost (preempted, terminated) and another one is held now; `note` says which. */
  | { kind: 'replaced'; note: string }
  /** It was lost and none could be had. */
  | { kind: 'lost'; reason: string };

/**
 * Where the benchmark runs (`--bench-on`): this machine (the working tree and git worktrees), or the held or
 * named TPU's workers, where champion and candidate are trees synced side by side under the remote root.
 */
export interface BenchSite {
  readonly where: 'local' | 'tpu';
  /** The folder the candidate (HEAD) runs in: the working tree, or its copy on every worker (synced when stale). */
  candidateTree(head: string, signal?: AbortSignal): Promise<string>;
  /** Asked after a run failed: a lost TPU is re-acquired when the site may (the loop's hold), so both sides run again. */
  recover(signal?: AbortSignal): Promise<SiteRecovery>;
  /** Where, for bench.json and messages ("TPU v5p-16 me-gdn in us-east5-a, 2 workers"). */
  label(): string;
  /** The measurer is done for now (a decision, a baseline): close shared connections. */
  idle(): Promise<void>;
}

/** champion.json: the commit the next candidate is compared with, and its runs. */
export interface Champion {
  sha: string;
  values: number[];
  median: number;
  iteration: number;
  /**
   * Where the values came from; 'sync-main' = re-measured after a merge moved HEAD; 'env-changed' = re-measured
   * because the TPU became another type or runtime.
   */
  source?: 'baseline' | 'promoted' | 'sync-main' | 'env-changed';
}

/** A run's champion.json. */
export interface ChampionStore {
  read(runDir: string): Promise<Champion | undefined>;
  /** Readers see the old or the new champion, never half of one. */
  write(runDir: string, champion: Champion): Promise<void>;
}

/** baseline/baseline.json: N runs of the unchanged program with their noise. */
export interface BaselineRecord {
  schemaVersion: 1;
  fingerprint: string;
  head: string;
  bench: string;
  metric: string;
  direction: 'higher' | 'lower';
  values: number[];
  durationsMs: number[];
  median: number;
  cvPct: number;
  robustCvPct: number;
  cvThresholdPct: number;
  acceptedNoise: boolean;
  createdAt: string;
  /** On the TPU: the env snapshot's fingerprint (accelerator, chips, runtime, libtpu/XLA flags), part of the key. */
  envFingerprint?: string | undefined;
  /** What the fingerprint stands for, e.g. "v5p-16 (8 chips, 2 hosts), runtime v2-alpha-tpuv5". */
  envLabel?: string | undefined;
  /** Warm-up runs made before the measured ones, recorded and excluded. */
  warmupValues?: number[] | undefined;
  /** Set when this baseline replaced one measured on another TPU type or runtime. */
  replaced?: { envFingerprint?: string | undefined; envLabel?: string | undefined; median: number } | undefined;
}

/** A baseline folder: result.txt, env-snapshot.txt and baseline.json (a run's own, or baselines/<fingerprint>/). */
export interface BaselineStore {
  /** undefined unless the folder holds a complete baseline. */
  read(dir: string): Promise<BaselineRecord | undefined>;
  /** baseline.json is written last, so a baseline killed half-way is never read as complete. */
  write(dir: string, files: { record: BaselineRecord; resultTxt: string; envSnapshot: string }): Promise<void>;
  copy(fromDir: string, toDir: string): Promise<void>;
}

/** An env snapshot with what identifies the machine the numbers came from. */
export interface EnvSnapshot {
  text: string;
  /** Hash of what makes two measurements incomparable (on the TPU: type, chips, runtime, libtpu/XLA flags). */
  fingerprint: string;
  label: string;
}

/** env-snapshot.txt: what must match for two measurements to be comparable (tools, machine, accelerator). */
export interface EnvSnapshotter {
  snapshot(head: string): Promise<string>;
  /** The snapshot with its fingerprint (the TPU's snapshotter has one; a local snapshot keys nothing). */
  describe?(head: string, signal?: AbortSignal): Promise<EnvSnapshot>;
}

/** The run directory's text files as the measurer and the memory write them (absolute paths). */
export interface RunFiles {
  /** The file's text; undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  exists(path: string): Promise<boolean>;
  /** A private file; missing folders are created. */
  write(path: string, text: string): Promise<void>;
  /** Appended to a private file (created when missing); optional: without it the memory writes at once. */
  append?(path: string, text: string): Promise<void>;
  /** Temp file + rename: readers see the old or the new content, never half of it. */
  writeAtomic(path: string, text: string): Promise<void>;
  copy(from: string, to: string): Promise<void>;
  /** Entry names of a folder; [] when it does not exist. */
  list(dir: string): Promise<string[]>;
}
