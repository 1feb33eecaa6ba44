import { readdirSync } from 'node:fs';
import { processStartTime, statFields } from './liveness.js';

export { processStartTime };

/**
 * Process-group helpers. Children run with `detached: true`, which on POSIX makes them session and group
 * leaders (pgid === pid), so `kill(-pgid)` reaches every descendant that did not start its own session: the
 * codex npm launcher and the native binary it spawns on Node 20, a shell and its pipeline, a test runner's
 * workers.
 */

export type KillSignal = 'SIGINT' | 'SIGTERM' | 'SIGKILL';

/** Send a signal to the whole group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: KillSignal): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

/**
 * Does the group still have a live (non-zombie) member? kill(-pgid, 0) also succeeds for zombies, and
 * orphans are not always reaped (in some containers PID 1 never calls wait), so on Linux confirm through
 * /proc that a member is in a state other than Z/X.
 */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true;
    throw e;
  }
  if (process.platform !== 'linux') return true;
  return liveMembers(pgid).length > 0;
}


/**
 * Is this pgid still the group we started (whose leader began at leaderStartTime)? The kernel does not reuse a
 * pid while a group of that id has members, so the group is ours unless a NEW process now owns the pid: its
 * start time then differs. A dead leader with surviving members is still ours.
 */
export function isSameGroup(pgid: number, leaderStartTime: string): boolean {
  const now = processStartTime(pgid);
  return now === undefined || now === leaderStartTime;
}

/** Pids of the group's members that are not zombies (Linux /proc). */
export function liveMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(name);
    if (!fields) continue; // exited while we looked
    const state = fields[0];
    if (Number(fields[2]) === pgid && state !== 'Z' && state !== 'X') out.push(Number(name));
  }
  return out;
}

/**
 * Groups of children that are running now, each with its leader's start time. If gdnctl exits while one runs
 * (an uncaught error, process.exit from a signal handler that skipped cleanup), the 'exit' hook SIGKILLs
 * them: detached children are outside execa's own cleanup. A SIGKILL of gdnctl itself bypasses this; the run
 * records the set in state.json (run-children.ts), and a resume ends those groups.
 */
const runningGroups = new Map<number, string | undefined>();
const startListeners = new Set<() => void>();
let exitHookInstalled = false;

export function trackGroup(pgid: number): void {
  runningGroups.set(pgid, processStartTime(pgid));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const g of runningGroups.keys()) signalGroup(g, 'SIGKILL');
    });
  }
  for (const l of startListeners) l();
}

export function untrackGroup(pgid: number): void {
  runningGroups.delete(pgid);
}

/** Track the group of a detached child (ssh, rsync, a bench) until `done` settles. */
export async function trackedWhile<T>(pgid: number | undefined, done: Promise<T>): Promise<T> {
  if (pgid === undefined) return done;
  trackGroup(pgid);
  try {
    return await done;
  } finally {
    untrackGroup(pgid);
  }
}

/** The groups running now, leader start time included (absent off Linux). */
export function trackedGroups(): Array<{ pgid: number; startTime?: string }> {
  return [...runningGroups].map(([pgid, startTime]) => (startTime === undefined ? { pgid } : { pgid, startTime }));
}

/** Called synchronously after each trackGroup; returns the unsubscribe. */
export function onGroupStart(listener: () => void): () => void {
  startListeners.add(listener);
  return () => startListeners.delete(listener);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Wait until the group has no live member, or the deadline passes. Used only for groups whose leader is not
 * our child (leftovers of a killed run, background processes a finished leader left behind): there is no exit
 * event to wait on for those, so this checks every 25 ms.
 */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isGroupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(25, Math.max(1, deadline - Date.now())));
  }
}

/**
 * Signal the whole group in turn (default SIGINT, SIGTERM, SIGKILL), moving on after graceMs while any member
 * lives. The last signal is always SIGKILL.
 */
export async function killGroupEscalating(
  pgid: number,
  graceMs: number,
  signals: readonly KillSignal[] = ['SIGINT', 'SIGTERM', 'SIGKILL'],
): Promise<void> {
  for (const signal of signals) {
    if (!isGroupAlive(pgid)) return;
    if (!signalGroup(pgid, signal)) return;
    if (signal === 'SIGKILL') {
      await waitGroupGone(pgid, 5_000);
      return;
    }
    if (await waitGroupGone(pgid, graceMs)) return;
  }
}
