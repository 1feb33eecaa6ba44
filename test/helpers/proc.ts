import { readFileSync } from 'node:fs';

/** A pid is dead when /proc has no entry or only a zombie (PID 1 here does not always reap orphans). */
export function isPidDead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}
