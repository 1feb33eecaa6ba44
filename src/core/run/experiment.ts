/**
 * An experiment outlives a run (docs/codex-loop.md "Experiments and runs"). When no run is resumed, the session
 * asks where a new run stands:
 *
 *   --new-experiment, no run of this experiment with a state.json, or its newest run has a live owner
 *        ─▶ a new experiment (id F, F-2, …), at 1
 *   the experiment's newest run finished iteration L
 *        ├─ L < --iterations ─▶ a new run of the same experiment from L + 1, carrying over (carry-over.ts)
 *        ├─ otherwise, but it was killed in finish() holding a TPU ─▶ a new run with no iteration left: it takes
 *        │                    the node over and releases it, as a resumed run with nothing left does
 *        └─ otherwise ───────▶ nothing to do: one line, nothing started
 *
 * experiments/<id>/experiment.json lists the runs; run.json names its experiment, so a resumed run finds its record.
 */
import type { ExperimentRecord, ExperimentRun, OwnerProbe, RunListing, RunStore } from '../../ports/ledger.js';
import type { RunState } from '../loop/run-state.js';
import { ownerGone } from './recover.js';

/** The experiment a new run joins, and the run it continues (absent: the experiment's first run). */
export interface ExperimentStart {
  id: string;
  fingerprint: string;
  previous?: { runId: string; state: RunState; first: number } | undefined;
}

export type ExperimentPlan =
  | { kind: 'start'; start: ExperimentStart; /** Why a new experiment starts although one could go on. */ note?: string }
  | { kind: 'nothing-to-do'; message: string; state: RunState };

/** F itself or one of the experiments --new-experiment started after it (F-2, F-3, …). */
const isOf = (id: unknown, fingerprint: string): id is string => typeof id === 'string' && (id === fingerprint || id.startsWith(`${fingerprint}-`));

/** The highest iteration a run state records as finished (its rows include those carried from earlier runs). */
export function lastFinished(state: RunState): number {
  return state.completed.reduce((m, c) => Math.max(m, c.iteration), 0);
}

/** An id no record and no run names (a run's record may have gone missing). */
async function unusedId(runs: Pick<RunStore, 'readExperiment'>, listed: RunListing[], fingerprint: string): Promise<string> {
  const named = new Set(listed.map((r) => r.run.experiment));
  for (let k = 1; ; k++) {
    const id = k === 1 ? fingerprint : `${fingerprint}-${k}`;
    if (!named.has(id) && !(await runs.readExperiment(id))) return id;
  }
}

/** Where a run that resumes nothing starts: a new experiment, the next run of this one, or nowhere. */
export async function planExperiment(
  runs: Pick<RunStore, 'readExperiment'>,
  listed: RunListing[],
  o: { fingerprint: string; newExperiment: boolean; iterations: number; probe: OwnerProbe },
): Promise<ExperimentPlan> {
  const fresh = async (note?: string): Promise<ExperimentPlan> => ({ kind: 'start', start: { id: await unusedId(runs, listed, o.fingerprint), fingerprint: o.fingerprint }, ...(note ? { note } : {}) });
  // The newest run first: after --new-experiment that is a run of the newest experiment of this fingerprint.
  const prev = o.newExperiment ? undefined : listed.find((r) => isOf(r.run.experiment, o.fingerprint) && r.state !== undefined);
  if (!prev) return fresh();
  const id = prev.run.experiment as string;
  // Somebody's run: it is never taken over, and a second run beside it would share its numbering.
  if (prev.state!.status === 'running' && !ownerGone(prev.state!, o.probe)) {
    return fresh(`run ${prev.runId} of experiment ${id} is still running (pid ${String(prev.state!.ownerPid)} on ${String(prev.state!.ownerHost)}); starting a new experiment`);
  }
  const state = prev.state as unknown as RunState;
  const last = lastFinished(state);
  const previous = { runId: prev.runId, state, first: last + 1 };
  // finish() writes run.json's status last, after the TPU release: a mismatch means it never got there, and so
  // does `running` (its owner is dead: a killed run, not resumed because its run fingerprint differs).
  const unreleased = state.tpuLeaseFile !== undefined && (state.status === 'running' || prev.run.status !== state.status);
  if (last >= o.iterations && unreleased) {
    return { kind: 'start', start: { id, fingerprint: o.fingerprint, previous }, note: `run ${prev.runId} was killed before it released its TPU; this run takes the TPU over to release it` };
  }
  if (last >= o.iterations) {
    return {
      kind: 'nothing-to-do',
      state,
      message: `experiment ${id} has finished ${last} of ${o.iterations} iteration(s) (run ${prev.runId}, ${state.status}); raise --iterations or pass --new-experiment`,
    };
  }
  return { kind: 'start', start: { id, fingerprint: o.fingerprint, previous } };
}

/**
 * Note a run's start, resume or end in its experiment's record (run.json names the experiment; a run without one
 * is left alone). The record is recreated when it went missing, so the runs on disk stay listed.
 */
export async function noteRun(
  runs: Pick<RunStore, 'readExperiment' | 'writeExperiment'>,
  run: Record<string, unknown>,
  state: RunState,
  o: { fingerprint: string; iterations: number; now: string },
): Promise<void> {
  const id = run.experiment;
  if (typeof id !== 'string') return;
  const first = typeof run.firstIteration === 'number' ? run.firstIteration : 1;
  const last = state.completed.filter((c) => c.iteration >= first).reduce((m, c) => Math.max(m, c.iteration), 0);
  const entry: ExperimentRun = {
    runId: state.runId,
    startedAt: String(run.startedAt ?? o.now),
    // run.json keeps the last end time while a resumed run goes on.
    ...(typeof run.endedAt === 'string' && state.status !== 'running' ? { endedAt: run.endedAt } : {}),
    status: state.status,
    firstIteration: first,
    ...(last > 0 ? { lastIteration: last } : {}),
  };
  const record: ExperimentRecord = (await runs.readExperiment(id)) ?? { schemaVersion: 1, id, fingerprint: o.fingerprint, createdAt: o.now, iterations: o.iterations, runs: [] };
  const at = record.runs.findIndex((r) => r.runId === entry.runId);
  const listedRuns = at < 0 ? [...record.runs, entry] : record.runs.map((r, k) => (k === at ? entry : r));
  await runs.writeExperiment({ ...record, iterations: o.iterations, runs: listedRuns });
}
