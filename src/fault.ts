import { appendFileSync } from 'node:fs';

/**
 * Named crash points for the crash-consistency suite. Inert unless GDNCTL_FAULT names this point; then it
 * records that it fired (GDNCTL_FAULT_MARKER file) and SIGKILLs the process, exactly as a power cut would.
 * A test whose marker stays empty fails: sleeping and hoping to land in a phase proves nothing.
 */
export function faultPoint(name: string): void {
  if (process.env.GDNCTL_FAULT !== name) return;
  const marker = process.env.GDNCTL_FAULT_MARKER;
  if (marker) appendFileSync(marker, `${name}\n`);
  process.kill(process.pid, 'SIGKILL');
}
