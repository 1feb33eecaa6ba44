import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { processStartTime, statFields } from './liveness.js';

/**
 * Children that left their process group (`setsid`, `nohup … &` daemons, an ssh ControlMaster) are out of
 * reach of kill(-pgid). Every child of a run carries GDNCTL_RUN_MARKER in its environment and passes it on to
 * its own children, so on Linux /proc/<pid>/environ (the environment a process was started with) finds them
 * all, wherever they moved. Other platforms have no such table: there the process groups are all that is
 * ended (docs/architecture.md "The signal path").
 */

export const MARKER_VAR = 'GDNCTL_RUN_MARKER';

/**
 * Where a scan stood: the newest pid the kernel had handed out in this pid namespace (/proc/loadavg's last
 * field) and the count of processes and threads created since boot (/proc/stat `processes`, system-wide).
 */
export interface PidCursor {
  lastPid: number;
  forks: number;
}

/**
 * The lowest pid the next scan has to read, or 0 for all of them. Pids are handed out in increasing order and
 * wrap at pid_max; every process alive now that the previous scan did not see was created after that scan
 * read its cursor, so its pid is above prev.lastPid, unless the allocator wrapped since. Wrapping takes at
 * least pid_max - prev.lastPid new pids in this namespace, and no more were made than `forks` grew by (which
 * counts every namespace), so a smaller growth proves no wrap. Anything else, or any doubt, reads them all.
 */
export function firstPidToScan(prev: PidCursor | undefined, now: PidCursor | undefined, pidMax: number | undefined): number {
  if (!prev || !now || !pidMax) return 0;
  if (now.lastPid < prev.lastPid) return 0;
  if (now.forks - prev.forks + 2 >= pidMax - prev.lastPid) return 0;
  return prev.lastPid + 1;
}

function readInt(path: string, pick: (text: string) => string | undefined): number | undefined {
  try {
    const v = Number(pick(readFileSync(path, 'latin1')));
    return Number.isSafeInteger(v) && v > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Undefined when /proc is not this process's pid namespace's (then last-pid numbers would not match it). */
function pidCursor(): PidCursor | undefined {
  if (procIsOurs === undefined) procIsOurs = readIntLink('/proc/self') === process.pid;
  if (!procIsOurs) return undefined;
  const forks = readInt('/proc/stat', (t) => /^processes (\d+)$/m.exec(t)?.[1]);
  const lastPid = readInt('/proc/loadavg', (t) => t.trim().split(' ').pop());
  return forks !== undefined && lastPid !== undefined ? { forks, lastPid } : undefined;
}

function readIntLink(path: string): number | undefined {
  try {
    return Number(readlinkSync(path));
  } catch {
    return undefined;
  }
}

let procIsOurs: boolean | undefined;
let pidMax: number | undefined;
/** Per marker: the cursor the previous scan started from, and the pids it found (checked again, whatever their pid). */
const previous = new Map<string, { cursor: PidCursor | undefined; found: Set<number> }>();

/**
 * Pids of this user's processes started with `GDNCTL_RUN_MARKER=<marker>`, never this process or its parent.
 * The first scan of a marker reads every process; the next ones only those created since the one before
 * (firstPidToScan) plus what that one found: a sweep runs after every agent and check, and reading each
 * process's environ costs ~20 µs (1.5 ms for 65 processes, 10 ms and more on a workstation).
 */
export function markedPids(marker: string): Array<{ pid: number; startTime: string | undefined }> {
  if (process.platform !== 'linux' || marker === '') return [];
  pidMax ??= readInt('/proc/sys/kernel/pid_max', (t) => t.trim());
  const cursor = pidCursor();
  const before = previous.get(marker);
  const from = firstPidToScan(before?.cursor, cursor, pidMax);
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = Buffer.from(`\0${MARKER_VAR}=${marker}\0`);
  const uid = process.getuid?.();
  const out: Array<{ pid: number; startTime: string | undefined }> = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid || pid === process.ppid) continue;
    if (pid < from && !before?.found.has(pid)) continue;
    let env: Buffer;
    try {
      if (uid !== undefined && statSync(`/proc/${name}`).uid !== uid) continue;
      env = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue; // gone while we looked, or not readable
    }
    if (!hasEntry(env, needle)) continue;
    const state = statFields(name)?.[0];
    if (state === undefined || state === 'Z' || state === 'X') continue;
    out.push({ pid, startTime: processStartTime(pid) });
  }
  previous.set(marker, { cursor, found: new Set(out.map((p) => p.pid)) });
  return out;
}

/** environ is NUL-separated `KEY=value` entries (the last may lack its NUL); the needle is one whole entry. */
function hasEntry(env: Buffer, needle: Buffer): boolean {
  // Without copying env (the sweep runs after every agent and check, over every process of the user): the
  // needle's body, starting the buffer or after a NUL, ending it or before a NUL.
  const body = needle.subarray(1, needle.length - 1);
  for (let at = env.indexOf(body); at !== -1; at = env.indexOf(body, at + 1)) {
    const end = at + body.length;
    if ((at === 0 || env[at - 1] === 0) && (end === env.length || env[end] === 0)) return true;
  }
  return false;
}

function sameProcess(p: { pid: number; startTime: string | undefined }): boolean {
  const now = processStartTime(p.pid);
  if (now === undefined) return false;
  return p.startTime === undefined || now === p.startTime;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already, or not ours to signal
  }
}

function alive(p: { pid: number; startTime: string | undefined }): boolean {
  const state = statFields(p.pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X' && sameProcess(p);
}

/**
 * End every process carrying the marker: SIGTERM, up to graceMs for them to go, then SIGKILL. Each is checked
 * against the start time seen in the scan before it is signalled, so a pid reused meanwhile is left alone.
 * A process that forks while it is being ended is caught by a second scan. Returns the pids that were found.
 */
export async function endMarkedProcesses(marker: string, graceMs: number): Promise<number[]> {
  const found: number[] = [];
  for (let round = 0; round < 3; round++) {
    const procs = markedPids(marker);
    if (procs.length === 0) break;
    for (const p of procs) {
      found.push(p.pid);
      if (sameProcess(p)) signal(p.pid, 'SIGTERM');
    }
    const deadline = Date.now() + graceMs;
    while (procs.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const p of procs) if (alive(p)) signal(p.pid, 'SIGKILL');
  }
  return [...new Set(found)];
}
