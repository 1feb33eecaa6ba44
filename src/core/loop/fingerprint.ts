import { createHash } from 'node:crypto';

/**
 * Keys that may change between an interrupted run and its resume without making it a different run
 * (docs/architecture.md "Resume": iterations, sleeps, timeouts, retries, logging and dry-run).
 */
const VOLATILE = /^(iterations|newRun|dryRun|verbose|quiet|logFormat|logDir|.*Seconds|.*Sleep.*|.*Retries|.*Timeout.*)$/;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** The config minus volatile keys, sorted. */
export function fingerprintInput(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(values).sort()) {
    if (VOLATILE.test(k) || values[k] === undefined) continue;
    out[k] = canonical(values[k]);
  }
  return out;
}

/** sha256 of the canonical JSON of fingerprintInput, first 16 hex digits. */
export function configFingerprint(values: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(fingerprintInput(values))).digest('hex').slice(0, 16);
}
