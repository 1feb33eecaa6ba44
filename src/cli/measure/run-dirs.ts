import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';

/** The parts of the loop's state.json that status and report read (RunState in src/core/loop/run-state.ts). */
export interface StateView {
  runId?: string;
  status?: string;
  ownerPid?: number;
  ownerHost?: string;
  iteration?: number;
  attempt?: number;
  phase?: string;
  failures?: number;
  consecutiveFailures?: number;
  champion?: string;
  tpuLeaseFile?: string;
  tokens?: { inputTokens?: number; cachedInputTokens?: number; outputTokens?: number };
  completed?: Array<{ iteration: number; outcome?: string; durationMs?: number; tokens?: { inputTokens?: number; outputTokens?: number } }>;
  stopMessage?: string;
  stopReason?: string;
  updatedAt?: string;
}

export function readJsonFile<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** runs/<id> for the given id, or the run whose state.json changed last. */
export function resolveRunDir(logDir: string, runId: string | undefined): { runId: string; runDir: string } {
  const runs = join(resolve(logDir), 'runs');
  const ids = existsSync(runs) ? readdirSync(runs).filter((d) => statSync(join(runs, d)).isDirectory()) : [];
  if (runId) {
    if (ids.includes(runId)) return { runId, runDir: join(runs, runId) };
    throw new UsageError(`no run "${runId}" under ${runs}; ${ids.length ? `known runs: ${ids.slice(-5).join(', ')}` : 'start one with gdnctl codex-loop'}`);
  }
  if (ids.length === 0) throw new UsageError(`no runs under ${runs}; start one with gdnctl codex-loop, or pass --log-dir`);
  const mtime = (id: string): number => {
    const f = join(runs, id, 'state.json');
    return existsSync(f) ? statSync(f).mtimeMs : statSync(join(runs, id)).mtimeMs;
  };
  const newest = ids.reduce((a, b) => (mtime(b) > mtime(a) ? b : a));
  return { runId: newest, runDir: join(runs, newest) };
}

