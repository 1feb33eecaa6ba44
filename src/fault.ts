import { appendFileSync } from 'node:fs';

const hits = new Map<string, number>();

/**
 * Named crash points for the crash-consistency suite. Inert unless GDNCTL_FAULT names this point; then it
 * records that it fired (GDNCTL_FAULT_MARKER file) and SIGKILLs the process, exactly as a power cut would.
 * GDNCTL_FAULT_SKIP=<n> lets the first n passes through the point go by, so a point hit many times per run
 * (a state.json write) can be crashed mid-iteration rather than only on its first use.
 * A test whose marker stays empty fails: sleeping and hoping to land in a phase proves nothing.
 */
export function faultPoint(name: string): void {
  if (process.env.GDNCTL_FAULT !== name) return;
  const seen = (hits.get(name) ?? 0) + 1;
  hits.set(name, seen);
  if (seen <= Number(process.env.GDNCTL_FAULT_SKIP ?? 0)) return;
  const marker = process.env.GDNCTL_FAULT_MARKER;
  if (marker) appendFileSync(marker, `${name}\n`);
  process.kill(process.pid, 'SIGKILL');
}
