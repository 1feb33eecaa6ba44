import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * "Is this process still running?", in one place. `kill(pid, 0)` probes without signalling: ESRCH = gone,
 * EPERM = exists under another user (still alive). A pid can be reused by an unrelated process after its owner
 * died, so when the owner's start time was recorded (processStartTime at the time), a different start time
 * now means the owner is gone. A process on another host cannot be probed at all.
 */

/** The fields of /proc/<pid>/stat after "(comm)": [state, ppid, pgrp, …]; undefined when pid is gone. */
export function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses, so parse after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * A process's start time (clock ticks since boot, /proc/<pid>/stat field 22), or undefined when it is gone or
 * not on Linux. Recorded with a pid, it tells a later process whether that pid still is the one it saw.
 */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** Is `pid` (on this host) alive, and, when its start time was recorded, still the same process? */
export function isProcessAlive(pid: number | undefined, startTime?: string | number): boolean {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === String(startTime);
}

export type OwnerLiveness = 'alive' | 'dead' | 'other-host';

/** The owner of a lease, lock or run: alive here, dead, or on another host (never taken over). */
export function ownerLiveness(owner: { pid: number | undefined; host?: string | undefined; startTime?: string | number | undefined }): OwnerLiveness {
  if (owner.host !== undefined && owner.host !== hostname()) return 'other-host';
  if (owner.pid === process.pid) return 'alive';
  return isProcessAlive(owner.pid, owner.startTime) ? 'alive' : 'dead';
}
