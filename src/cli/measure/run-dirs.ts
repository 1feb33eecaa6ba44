import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { ExperimentRecord } from '../../ports/ledger.js';
import { experimentFile } from '../../adapters/ledger/file-ledger.js';
import { stateWithCompleted } from '../../adapters/ledger/state-file.js';

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

/** One run of an experiment as status and report show it: state.json's status when there is one (it is newer). */
export interface ExperimentRunView {
  runId: string;
  status: string;
  first: number;
  last?: number | undefined;
}

export interface ExperimentView {
  id: string;
  iterations: number;
  runs: ExperimentRunView[];
}

/** The experiment run.json names, with each of its runs (docs/codex-loop.md "Experiments and runs"). */
export function readExperimentView(logDir: string, runDir: string): ExperimentView | undefined {
  const id = readJsonFile<{ experiment?: unknown }>(join(runDir, 'run.json'))?.experiment;
  if (typeof id !== 'string') return undefined;
  const record = readJsonFile<ExperimentRecord>(experimentFile(resolve(logDir), id));
  if (!record) return undefined;
  const runs = record.runs.map((r): ExperimentRunView => {
    const dir = join(resolve(logDir), 'runs', r.runId);
    const s = stateWithCompleted(readJsonFile<StateView>(join(dir, 'state.json')), dir);
    const done = (s?.completed ?? []).map((c) => c.iteration).filter((i) => i >= r.firstIteration);
    return { runId: r.runId, status: s?.status ?? r.status, first: r.firstIteration, last: done.length > 0 ? Math.max(...done) : r.lastIteration };
  });
  return { id, iterations: record.iterations, runs };
}

/** "iterations 3–5", "iteration 3", or "no iteration finished" for a run starting at 3. */
export function iterationSpan(r: Pick<ExperimentRunView, 'first' | 'last'>): string {
  if (r.last === undefined || r.last < r.first) return 'no iteration finished';
  return r.last === r.first ? `iteration ${r.first}` : `iterations ${r.first}–${r.last}`;
}
