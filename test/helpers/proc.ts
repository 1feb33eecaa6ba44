import { readdirSync, readFileSync } from 'node:fs';

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

/** `pid: command line` of every process of this user whose environment holds `entry` ("NAME=value"); Linux. */
export function processesWithEnv(entry: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(entry)) continue;
      found.push(`${name}: ${readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim()}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
