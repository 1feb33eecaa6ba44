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
}
