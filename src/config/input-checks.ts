import { fields } from './fields.js';

/**
 * Checks the zod schema cannot say per key, over every key by its kind:
 * - a duration (a key ending in Seconds or Minutes) above 0 but below a millisecond would round to 0 ms,
 *   which the timers read as "no limit" (`--codex-timeout-seconds 0.0001` must not mean "forever");
 * - a value that is only blanks (`--agent-cmd " "`) would run nothing, or match nothing, without a word.
 * `where(key)` names the key the way the other problems do (flag, GDNCTL_* variable or file:line:col).
 */
export function inputProblems(values: Record<string, unknown>, isGiven: (key: string) => boolean, where: (key: string) => string): string[] {
  const problems: string[] = [];
  for (const f of fields()) {
    if (!isGiven(f.key)) continue;
    const v = values[f.key];
    const msPerUnit = /Seconds$/.test(f.key) ? 1000 : /Minutes$/.test(f.key) ? 60_000 : undefined;
    if (msPerUnit !== undefined && typeof v === 'number' && v > 0 && v * msPerUnit < 1) {
      problems.push(`${where(f.key)}: ${v} is below one millisecond, which would mean no wait or no limit at all; give at least ${1 / msPerUnit}, or 0 where 0 is allowed`);
    }
    const blank = (x: unknown): boolean => typeof x === 'string' && x.length > 0 && x.trim() === '';
    if (blank(v) || (Array.isArray(v) && v.some(blank))) {
      problems.push(`${where(f.key)}: a blank value (only spaces) does nothing; give a real value or leave the setting out`);
    }
  }
  return problems;
}
