/**
 * A usage or rate limit that says when it resets is waited out, not retried into (docs/agents.md "Usage
 * limits"): the loop sleeps until the reset plus a little jitter (so many loops behind one account do not all
 * come back in the same second), then runs the same attempt again. The waits of one agent pass add up to at
 * most --max-limit-wait-hours; a reset beyond that ends the pass as the limit's own failure, as before.
 */
export interface LimitWaitSettings {
  /** --max-limit-wait-hours, in ms: the most one agent pass waits for limits in total. */
  maxWaitMs: number;
  /** Up to this much is added to each wait, at random. */
  jitterMaxMs: number;
}

export const DEFAULT_LIMIT_WAIT: LimitWaitSettings = { maxWaitMs: 6 * 3_600_000, jitterMaxMs: 60_000 };

export type LimitWaitPlan =
  | { kind: 'wait'; untilMs: number; waitMs: number }
  /** The reset is further away than the wait left allows. */
  | { kind: 'too-long'; resetAtMs: number };

/** How long to wait for a limit that resets at `resetAtMs`, having waited `waitedMs` in this pass already. */
export function planLimitWait(resetAtMs: number, nowMs: number, waitedMs: number, s: LimitWaitSettings, random: () => number = Math.random): LimitWaitPlan {
  const base = Math.max(0, resetAtMs - nowMs);
  const waitMs = Math.round(base + random() * s.jitterMaxMs);
  if (waitedMs + base > s.maxWaitMs) return { kind: 'too-long', resetAtMs };
  return { kind: 'wait', untilMs: nowMs + waitMs, waitMs };
}
