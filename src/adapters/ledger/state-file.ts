import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPLETED_LOG, withCompletedLog } from '../../core/text/completed-log.js';

/** The run's completed.jsonl, or undefined when no row was logged (src/core/loop/completed-log.ts). */
export function readCompletedLog(runDir: string): string | undefined {
  try {
    return readFileSync(join(runDir, COMPLETED_LOG), 'utf8');
  } catch {
    return undefined;
  }
}

/** A parsed state.json of runDir with its completed rows, wherever they are. */
export function stateWithCompleted<T>(state: T, runDir: string): T {
  const s = state as { completedLog?: unknown } | undefined;
  return s?.completedLog === true ? withCompletedLog(state, readCompletedLog(runDir)) : state;
}
