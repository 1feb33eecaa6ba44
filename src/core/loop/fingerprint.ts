import { sha256Hex } from '../text/sha256.js';

/**
 * Keys that may change between an interrupted run and its resume without making it a different run
 * (docs/architecture.md "Resume": iterations, sleeps, timeouts, retries, logging and dry-run; the flags that
 * choose between resuming and starting afresh).
 */
// takeOver and the TPU heartbeat say how a node is held, not what the run does: adding --take-over to a rerun
// must still resume the interrupted run. Notifications and the stuck threshold say whom the run tells, so a
// rerun with another --notify-cmd resumes it too. Run budgets (--max-tokens, --max-cost-usd and its modelPrices,
// --max-wall-hours, --max-tpu-hours) and the usage-limit wait say how long a run may go on, not what it does:
// raising one after a budget stop goes on.
const VOLATILE =
  /^(iterations|newRun|newExperiment|dryRun|verbose|quiet|logFormat|logDir|takeOver|tpuHeartbeat.*|notify.*|stuckMinutes|.*Seconds|.*Sleep.*|.*Retries|.*Timeout.*|maxTokens|maxCostUsd|modelPrices|maxWallHours|maxTpuHours|maxLimitWaitHours)$/;

/**
 * Keys that may also change between two runs of one experiment (docs/codex-loop.md "Experiments and runs"):
 * how long a run may go on, how it waits and whom it tells, never what it optimizes or how it judges. A budget,
 * notification or limit-wait key added later goes here, or an operator who raises it after a stop starts over.
 */
const RUN_ONLY: readonly RegExp[] = [
  // budgets
  /^maxFailures$/,
  /^maxConsecutiveFailures$/,
  // notifications, the stuck threshold and usage-limit waits (the run budgets and the limit wait are in VOLATILE)
  /^notify/,
  /^stuckMinutes$/,
  /^limitWait/,
];

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

function inputWithout(values: Record<string, unknown>, excluded: (key: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(values).sort()) {
    if (excluded(k) || values[k] === undefined) continue;
    out[k] = canonical(values[k]);
  }
  return out;
}

const hash = (input: Record<string, unknown>): string => sha256Hex(JSON.stringify(input)).slice(0, 16);

/** The config minus volatile keys, sorted. */
export function fingerprintInput(values: Record<string, unknown>): Record<string, unknown> {
  return inputWithout(values, (k) => VOLATILE.test(k));
}

/** sha256 of the canonical JSON of fingerprintInput, first 16 hex digits. */
export function configFingerprint(values: Record<string, unknown>): string {
  return hash(fingerprintInput(values));
}

/** The run fingerprint's input minus the run-only keys (budgets, notifications, limit waits). */
export function experimentFingerprintInput(values: Record<string, unknown>): Record<string, unknown> {
  return inputWithout(values, (k) => VOLATILE.test(k) || RUN_ONLY.some((r) => r.test(k)));
}

/** An experiment's fingerprint: the first part of its id (experiments/<id>/), 16 hex digits like a run's. */
export function experimentFingerprint(values: Record<string, unknown>): string {
  return hash(experimentFingerprintInput(values));
}
