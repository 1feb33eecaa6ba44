/**
 * One candidate of a round: the single-candidate loop's own iteration (LoopEngine.runOne, every phase as in a
 * sequential run), composed over the candidate's worktree, its own seams and the run's one writer. Nothing of
 * the loop is forked: only its ports and settings are the candidate's.
 */
import { join, relative } from 'node:path';
import type { IterationRecord, LoopResult } from '../loop/outcome.js';
import { ZERO_TOKENS } from '../loop/outcome.js';
import { LoopEngine, type LoopConsole, type LoopDeps } from '../loop/engine.js';
import type { RunState } from '../loop/run-state.js';
import type { LoopSettings } from '../loop/settings.js';
import type { LoopEvent } from '../loop/events.js';
import type { ParallelPorts } from '../../ports/parallel.js';
import { candidateGit } from './candidate-git.js';
import { candidatePrompt, type SlotText } from './diversity.js';
import { candidateBranch, type Slot } from './plan.js';
import type { RunWriter } from './run-writer.js';

export interface CandidateRun {
  slot: Slot;
  branch: string;
  dir: string;
  /** record.json as the loop wrote it (with round and slot); undefined when it never got that far. */
  record?: IterationRecord | undefined;
  /** The candidate's own state after its iteration (counters, tokens, its summary row, stashes). */
  state: RunState;
  result: LoopResult | undefined;
  /** Its `iteration-recorded` events with status promoted, held back from the console until the round is decided. */
  held: LoopEvent[];
}

export interface CandidateInput {
  s: LoopSettings;
  d: LoopDeps;
  ports: ParallelPorts;
  writer: RunWriter;
  slot: Slot;
  base: string;
  text: SlotText;
  signal: AbortSignal;
}

/**
 * The candidate's lines tagged with its slot. "Promoted" against the champion is not yet the round's promotion:
 * those events wait in `held` for the orchestrator, so the console and --notify-cmd's subscriber see one
 * promotion per round, the winner's (the others then say explored).
 */
function slotConsole(c: LoopConsole, slot: number, held: LoopEvent[]): LoopConsole {
  const tag = (l: string): string => `[c${slot}] ${l}`;
  const event = (e: LoopEvent): void => {
    if (e.type === 'iteration-recorded' && e.status === 'promoted') held.push(e);
    else c.event(e);
  };
  return { event, status: (l) => c.status(tag(l)), info: (l) => c.info(tag(l)), warn: (l) => c.warn(tag(l)), echo: (l) => c.echo(tag(l)) };
}

/** The run's state as the candidate's loop starts from it: its counters, none of the run's stashes or rows. */
function candidateState(run: RunState, iteration: number, base: string): RunState {
  const { parallel: _p, ...rest } = run as RunState & { parallel?: unknown };
  return {
    ...rest,
    iteration, attempt: 1, phase: 'preflight', iterationDone: false, headBefore: undefined, operatorStash: undefined, agentPgid: undefined,
    champion: base, keptStashes: [], leftoverStashes: [], tokens: ZERO_TOKENS, completed: [],
  };
}

export async function runCandidate(x: CandidateInput): Promise<CandidateRun> {
  const { s, d, ports, writer, slot: sl, base } = x;
  const state = writer.state;
  const branch = candidateBranch(state.runId, sl.round, sl.slot);
  const tree = await ports.trees.open(sl.slot, branch, base);
  const entry = writer.entry(sl.slot);
  if (entry) Object.assign(entry, { dir: tree.dir, branch });
  const emit = (type: 'leftovers-stashed', data: Record<string, unknown>) => writer.event(type, { ...data, round: sl.round, slot: sl.slot });
  if (tree.leftoverStash) {
    state.leftoverStashes.push(tree.leftoverStash);
    await emit('leftovers-stashed', { iteration: sl.iteration, sha: tree.leftoverStash, message: `leftovers of an earlier attempt in ${tree.dir}` });
  }
  if (tree.keptRef) d.console.warn(`[c${sl.slot}] an earlier attempt's commits on ${branch} are kept at ${tree.keptRef}`);
  await writer.saveState();
  const seams = await ports.seams(sl.slot, tree.dir, base, x.signal, (type, data) => writer.event(type, { ...data, slot: sl.slot }));
  const prompt = candidatePrompt(s.promptTemplate, s.directives, x.text);
  const settings: LoopSettings = {
    ...s,
    workdir: tree.dir,
    hillclimbLog: join(tree.dir, relative(s.workdir, s.hillclimbLog)),
    promptTemplate: prompt.template,
    directives: prompt.directives,
    // The operator's branch moves only at promotion; a candidate never merges main on its own.
    syncMain: { ...s.syncMain, policy: 'off' },
    planFirst: false,
    sleepMs: 0,
  };
  let record: IterationRecord | undefined;
  const held: LoopEvent[] = [];
  const deps: LoopDeps = {
    ...d,
    // Preflight's status and HEAD are the operator's tree at start-up, not this candidate's worktree.
    startSnapshot: undefined,
    git: candidateGit(seams.git, `gdnctl/${state.runId}/`, branch),
    agent: seams.agent,
    // Its post-checks say which candidate they check (a Ray job's metadata names the round and candidate).
    env: { ...seams.env, GDNCTL_ROUND: String(sl.round), GDNCTL_CANDIDATE: String(sl.slot) },
    signal: x.signal,
    ledger: writer.candidateLedger(sl.slot, sl.round, (r) => (record = r)),
    memory: seams.memory ? seams.memory(writer.candidateMemory(sl.slot, sl.round)) : writer.candidateMemory(sl.slot, sl.round),
    measurer: seams.measurer,
    tpu: seams.tpu,
    console: slotConsole(d.console, sl.slot, held),
    // Candidates run at once and share the run's marker: a sweep after one's agent phase would end the
    // others' agents. Their leftovers are swept when the run ends (and on resume).
    children: undefined,
  };
  const cstate = candidateState(state, sl.iteration, base);
  let result: LoopResult | undefined;
  try {
    result = await new LoopEngine(settings, deps, cstate).runOne(sl.iteration);
  } catch (e) {
    if (x.signal.aborted) result = { kind: 'interrupted', signalName: 'SIGINT' };
    else result = { kind: 'stopped', stop: { reason: 'iteration-error', cause: 'policy-fail', iteration: sl.iteration, message: `candidate ${sl.slot}: ${(e as Error).message}` } };
  }
  return { slot: sl, branch, dir: tree.dir, record, state: cstate, result, held };
}
