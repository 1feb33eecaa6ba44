import { readdirSync, readFileSync } from 'node:fs';

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
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (Number(fields[2]) === pgid && state !== 'Z' && state !== 'X') out.push(Number(name));
  }
  return out;
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

/** SIGINT, then SIGTERM, then SIGKILL to the whole group, each after graceMs without the group ending. */
export async function killGroupEscalating(pgid: number, graceMs: number): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    if (!isGroupAlive(pgid)) return;
    if (!signalGroup(pgid, signal)) return;
    if (signal === 'SIGKILL') {
      await waitGroupGone(pgid, 5_000);
      return;
    }
    if (await waitGroupGone(pgid, graceMs)) return;
  }
}
