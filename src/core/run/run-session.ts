import { isAbsolute } from 'node:path';
import { ResourceError, UsageError } from '../../errors.js';
import type { EnvSnapshotter, IterationMemory, Measurer } from '../../ports/bench.js';
import type { RunChildren } from '../../ports/children.js';
import type { Ledger, OwnerProbe, RunLedger, RunListing, RunOwner, RunStore } from '../../ports/ledger.js';
import type { TpuHold } from '../../ports/tpu.js';
import { LoopEngine, type LoopDeps } from '../loop/engine.js';
import { ZERO_TOKENS, type LoopResult } from '../loop/outcome.js';
import type { RunState } from '../loop/run-state.js';
import type { LoopSettings } from '../loop/settings.js';
import { bootstrapInfra, type BootstrapPlan } from './bootstrap.js';
import { carriedState, carryChampion, carryMemory, type Carried } from './carry-over.js';
import { noteRun, planExperiment, type ExperimentStart } from './experiment.js';
import { ChildRecorder, serialStateWrites } from './child-record.js';
import { findResumable, recoverRun, ResumeRefused } from './recover.js';
import { holdHeapSmall, holdHeapSmallFromFirstSpawn } from './heap.js';

/**
 * One run of the loop, from its first file to its last, over ports only:
 *
 *   execute ─▶ open ─┬─ a resumable run ─▶ resume: end its children, recover the tree, refuse the operator's
 *                    │                     own changes under --dirty-policy fail, next attempt
 *                    ├─ its experiment has run --iterations ─▶ nothing to do (nothing is started)
 *                    └─ otherwise ───────▶ start: new id, state.json, run.json, run-started; a run that
 *                                          continues its experiment takes over its numbering and memory
 *           ─▶ extras (TPU acquired, its lease named in state.json) ─▶ bootstrap (iteration 0)
 *           ─▶ (continuing) champion and baseline carried over ─▶ baseline ─▶ engine (iterations first..N)
 *           ─▶ finish, on every way out: children ended, TPU released, `interrupted` on a signal or an error, run.json's end,
 *              the experiment's record
 */

/** The optional seams of a run: a held TPU, a measurer and the iteration memory. */
export interface RunExtras {
  tpu?: TpuHold | undefined;
  measurer?: Measurer | undefined;
  memory?: IterationMemory | undefined;
  /** What a carried-over baseline is checked against (src/core/run/carry-over.ts). */
  environment?: EnvSnapshotter | undefined;
}

export interface RunSessionDeps extends Omit<LoopDeps, 'ledger' | 'tpu' | 'measurer' | 'memory'> {
  runs: RunStore;
  /** This process, recorded as the run's owner. */
  owner: RunOwner;
  probeOwner: OwnerProbe;
  /** Grace between SIGTERM and SIGKILL when a resume ends the killed run's agent group. */
  killGraceMs: number;
  /** The seams, built once the run's ledger exists: the TPU hold records its events in it. */
  extras(ledger: Ledger): Promise<RunExtras>;
  /** A line the operator sees even under --quiet (a refused baseline). */
  alert(message: string): void;
  /** What runs the iterations; the loop's own engine unless given (--parallel: src/core/parallel/). */
  engine?: ((s: LoopSettings, deps: LoopDeps, state: RunState) => { run(first: number): Promise<LoopResult> }) | undefined;
  /**
   * The children this process starts: their groups are recorded in state.json, and a resume or the end of the
   * run ends them (child-record.ts). Without it (in-process tests) only the agent's group is recorded.
   */
  children?: RunChildren | undefined;
}

export interface RunSessionOptions {
  /** --new-run: a new run (of the same experiment) even when a run could be resumed. */
  newRun: boolean;
  /** --new-experiment: a new experiment and its first run, even when a run could be resumed or continued. */
  newExperiment?: boolean | undefined;
  /**
   * The experiment fingerprint (src/core/loop/fingerprint.ts). Without it the run stands alone, as runs did
   * before experiments: no record, nothing carried over.
   */
  experiment?: string | undefined;
  /** What run.json records besides the run's id, times, status, owner and repository. */
  record: { fingerprint: string; config: unknown; versions: Record<string, string>; branch: string };
  /** --bootstrap-infra. */
  bootstrap?: BootstrapPlan | undefined;
}

export interface RunOutcome {
  result: LoopResult;
  state: RunState;
  /** Nothing was started: the experiment has run its --iterations. The one line to show; `state` is its last run's. */
  nothingToDo?: string;
}

function signalNameOf(signal: AbortSignal): string | undefined {
  return (signal.reason as { signalName?: string } | undefined)?.signalName;
}

export class RunSession {
  private ledger: RunLedger | undefined;
  private state: RunState | undefined;
  /** run.json as last written; writeRun merges each change into it. */
  private run: Record<string, unknown> = {};
  private readonly extras: RunExtras = {};
  private hurried = false;
  /** The run of the same experiment this one continues. */
  private carried: Carried | undefined;
  private nothingToDo: { message: string; state: RunState } | undefined;
  /** start() ran (not resume()). */
  private startedFresh = false;
  private readonly children: ChildRecorder | undefined;
  /** A resume refused the operator's own changes: the run stays resumable once they are committed or stashed. */
  private refusedResume = false;

  constructor(
    private readonly s: LoopSettings,
    private readonly d: RunSessionDeps,
    private readonly o: RunSessionOptions,
  ) {
    this.children = d.children ? new ChildRecorder(d.children) : undefined;
  }

  /** Resume the matching run or start one, drive it to its end, and finish it on every way out. */
  async execute(): Promise<RunOutcome> {
    let result: LoopResult;
    try {
      result = await this.drive();
    } catch (e) {
      // A refusal with a typed error (no credentials, no TPU, a bad setting found late) is a stop, not an
      // interruption: the run is not left looking resumable, and the error reaches the operator as one line.
      const refusal = (e instanceof ResourceError || e instanceof UsageError) && !this.d.signal.aborted && !this.refusedResume;
      if (refusal) await this.markStopped(e.message);
      await this.finish(undefined);
      throw e;
    }
    if (this.nothingToDo) return { result, state: this.nothingToDo.state, nothingToDo: this.nothingToDo.message };
    const final = (await this.finish(result)) ?? result;
    return { result: final, state: this.current.state };
  }

  /**
   * A new run: its folder, state.json, run.json (every field, once) and the run-started event. In an experiment
   * it is listed in the experiment's record, and a run that continues one starts where the previous run ended,
   * with its memory. Returns the first iteration.
   */
  async start(experiment?: ExperimentStart): Promise<number> {
    const now = new Date(this.d.clock.now());
    const ledger = serialStateWrites(await this.d.runs.create(now));
    this.startedFresh = true;
    const { runId } = ledger;
    const prev = experiment?.previous;
    const first = prev?.first ?? 1;
    this.ledger = ledger;
    // Before run.json: a run killed in between has no run.json, so nobody takes it for a run.
    if (prev) await carryMemory(this.d.runs, prev.runId, ledger);
    this.carried = prev;
    this.state = {
      schemaVersion: 1, runId, status: 'running', ...this.ownerFields(), iteration: first, attempt: 1, phase: 'preflight', iterationDone: false,
      failures: 0, consecutiveFailures: 0, keptStashes: [], leftoverStashes: [], tokens: ZERO_TOKENS, completed: [], updatedAt: now.toISOString(),
      ...(prev ? carriedState(prev.state) : {}),
    };
    const r = this.o.record;
    const inExperiment = experiment ? { experiment: experiment.id, firstIteration: first } : {};
    await this.writeRun({
      schemaVersion: 1, runId, startedAt: now.toISOString(), status: 'running', fingerprint: r.fingerprint, config: r.config, versions: r.versions,
      ownerPid: this.d.owner.pid, ownerHost: this.d.owner.host, branch: r.branch, repo: this.d.git.root, ...inExperiment,
    });
    await ledger.event('run-started', { runId, iterations: this.s.iterations, fingerprint: r.fingerprint, ...inExperiment, ...(prev ? { continues: prev.runId } : {}) });
    // Child groups are written without fsync: an OS crash ends every child anyway, and a SIGKILL of this
    // process leaves the page cache (docs/decisions.md "Issue 14 — per-iteration writes and memory").
    this.children?.record(this.state, () => ledger.writeState(this.state!, { durable: false }));
    await ledger.writeState(this.state);
    await this.noteInExperiment();
    const left = first > this.s.iterations ? 'no iteration left' : `iterations ${first}–${this.s.iterations}`;
    const span = prev ? `${left} of experiment ${experiment!.id} (continues run ${prev.runId})` : `${this.s.iterations} iteration(s)`;
    this.d.console.info(`run ${runId}: ${span}; ledger in ${ledger.runDir}`);
    return first;
  }

  /**
   * Take over a killed or interrupted run (docs/architecture.md "Resume"): this process becomes its owner, run.json
   * notes the resume, and the repository is recovered before anything else touches it. Returns the next iteration.
   */
  async resume(found: RunListing): Promise<number> {
    const ledger = serialStateWrites(await this.d.runs.open(found.runId));
    const state: RunState = { ...(found.state as unknown as RunState), ...this.ownerFields() };
    this.ledger = ledger;
    this.state = state;
    this.run = found.run;
    this.d.console.info(`resuming run ${found.runId} at iteration ${state.iteration} (phase ${state.phase} was interrupted)`);
    const resumes = Array.isArray(found.run.resumes) ? (found.run.resumes as unknown[]) : [];
    // stopReason undefined: a budget stop being resumed is no longer how the run ended (JSON drops the key).
    await this.writeRun({ resumes: [...resumes, { at: new Date(this.d.clock.now()).toISOString(), pid: this.d.owner.pid }], stopReason: undefined });
    const d = this.d;
    const dirtyRules = { requireClean: this.s.requireClean, dirtyPolicy: this.s.dirtyPolicy, ledgerRel: this.s.ledgerRel };
    let first: number;
    try {
      first = await recoverRun(state, { git: d.git, runner: d.runner, ledger, console: d.console, killGraceMs: d.killGraceMs, requireClean: this.s.requireClean, dirtyRules, children: d.children });
    } catch (e) {
      if (e instanceof ResumeRefused) {
        this.refusedResume = true;
        state.status = 'interrupted';
        await ledger.writeState(state);
      }
      throw e;
    }
    this.children?.record(state, () => ledger.writeState(state, { durable: false }));
    state.status = 'running';
    // A run a budget stopped is going on: the stop is history (events.jsonl keeps it).
    delete state.stopReason;
    delete state.stopMessage;
    await ledger.writeState(state);
    return first;
  }

  /**
   * Every way out (docs/architecture.md "The signal path", steps 4 and 5; the engine did 1 to 3): release the TPU
   * (without waiting after a second signal), write `interrupted` when a signal came or there is no result (an
   * unexpected error leaves the run resumable), then run.json's final status and end time. Returns the result to
   * report: `interrupted` whenever a signal came.
   */
  async finish(result: LoopResult | undefined): Promise<LoopResult | undefined> {
    const aborted = this.d.signal.aborted;
    const signalName = aborted ? signalNameOf(this.d.signal) : undefined;
    const final: LoopResult | undefined = aborted ? { kind: 'interrupted', signalName: signalName ?? 'SIGINT' } : result;
    // The memory files the loop held back until the next agent ran (on a signal, or after the last iteration),
    // written while the children are ended: neither waits for the other.
    const flushed = this.extras.memory?.flush?.().catch((e: Error) => this.d.console.warn(`writing the memory files failed: ${e.message}`));
    await this.endChildren();
    await flushed;
    await this.extras.tpu?.release({ hurry: this.hurried }).catch((e: Error) => this.d.console.warn(`releasing the TPU failed: ${e.message}`));
    const { ledger, state } = this;
    if (ledger && state) {
      if (aborted || (!final && state.status === 'running')) {
        state.status = 'interrupted';
        state.agentPgid = undefined;
        await ledger.writeState(state).catch(() => undefined);
        await ledger.event('run-interrupted', { signal: signalName ?? null, iteration: state.iteration }).catch(() => undefined);
      }
      const why = state.stopReason ? { stopReason: state.stopReason } : {};
      await this.writeRun({ status: state.status, ...why, endedAt: new Date(this.d.clock.now()).toISOString() }).catch(() => undefined);
      await this.noteInExperiment().catch(() => undefined);
    }
    return final;
  }

  /**
   * A second signal: send the TPU delete now without waiting for it. Also while finish() already waits for a
   * delete: the hold then stops waiting (the operation stays recorded in the lease) and the exit goes on.
   */
  hurry(): void {
    this.hurried = true;
    void this.extras.tpu?.release({ hurry: true }).catch(() => undefined);
  }

  private async drive(): Promise<LoopResult> {
    // The parallel engine spawns its candidates' agents through its own runners: it holds the heap from the start.
    if (this.d.engine) holdHeapSmall();
    const first = await this.open();
    if (first === undefined) return { kind: 'done', iterations: this.s.iterations };
    const { ledger, state } = this.current;
    Object.assign(this.extras, await this.d.extras(ledger));
    const { tpu } = this.extras;
    if (tpu) {
      await tpu.acquire(this.d.signal);
      // state.json names the lease, so a killed run's TPU can be found from the run directory too.
      state.tpuLeaseFile = tpu.leaseFile();
      await ledger.writeState(state);
    }
    const d = this.d;
    const deps: LoopDeps = {
      git: d.git, agent: d.engine ? d.agent : holdHeapSmallFromFirstSpawn(d.agent), runner: d.runner, ledger, clock: d.clock, files: d.files, console: d.console, signal: d.signal, env: d.env,
      ...(d.reportSchema ? { reportSchema: d.reportSchema } : {}),
      tpu, measurer: this.extras.measurer, memory: this.extras.memory, children: d.children,
      // Only when nothing touched the tree since preflight: no resume recovery, iteration 0 or baseline run.
      ...(this.startedFresh && !this.o.bootstrap && !this.carried && !this.extras.measurer ? { startSnapshot: d.startSnapshot } : {}),
    };
    if (this.o.bootstrap) {
      const boot = await bootstrapInfra(this.s, deps, state, this.o.bootstrap);
      if (boot.result) return boot.result;
      if (boot.measurer) this.extras.measurer = deps.measurer = boot.measurer;
    }
    if (this.carried) {
      await carryChampion({ runs: d.runs, console: d.console, measurer: deps.measurer, environment: this.extras.environment }, this.carried, ledger, state, await d.git.head());
      await ledger.writeState(state);
    }
    if (deps.measurer) {
      const b = await deps.measurer.ensureBaseline(ledger.runDir, await d.git.head(), d.signal);
      if (!b.ok) {
        d.alert(`baseline refused: ${b.reason}`);
        await this.markStopped(b.reason);
        return { kind: 'stopped', stop: { reason: 'iteration-error', cause: 'policy-fail', iteration: first, message: b.reason } };
      }
    }
    if (first > this.s.iterations) return { kind: 'done', iterations: this.s.iterations };
    return (this.d.engine?.(this.s, deps, state) ?? new LoopEngine(this.s, deps, state)).run(first);
  }

  /** No child outlives the run: groups still running, then (Linux) every process carrying the marker. */
  private async endChildren(): Promise<void> {
    const found = (await this.children?.end(this.state).catch(() => [])) ?? [];
    if (found.length > 0) this.d.console.warn(`ended ${found.length} process(es) the run's children left running (pid ${found.join(', ')})`);
  }

  /** The run ended on a refusal before or between iterations: state.json says `stopped`, with the reason. */
  private async markStopped(message: string): Promise<void> {
    const { ledger, state } = this;
    if (!ledger || !state) return;
    state.status = 'stopped';
    state.stopMessage = message;
    state.agentPgid = undefined;
    await ledger.writeState(state).catch(() => undefined);
    await ledger.event('run-stopped', { iteration: state.iteration, message }).catch(() => undefined);
  }

  /** The first iteration to run, or undefined when there is nothing to do. */
  private async open(): Promise<number | undefined> {
    const rel = this.s.ledgerRel;
    // gdnctl's own files never make the tree dirty (docs/architecture.md "The run directory").
    if (rel !== undefined && !rel.startsWith('..') && !isAbsolute(rel)) await this.d.git.ensureExcluded(`/${rel}/`);
    const listed = await this.d.runs.list();
    const afresh = this.o.newRun || this.o.newExperiment === true;
    const found = afresh ? undefined : await findResumable({ list: async () => listed }, this.o.record.fingerprint, this.d.probeOwner);
    if (found) {
      const first = await this.resume(found);
      await this.noteInExperiment();
      return first;
    }
    if (this.o.experiment === undefined) return this.start();
    const plan = await planExperiment(this.d.runs, listed, { fingerprint: this.o.experiment, newExperiment: this.o.newExperiment === true, iterations: this.s.iterations, probe: this.d.probeOwner });
    if (plan.kind === 'start') {
      if (plan.note) this.d.console.warn(plan.note);
      return this.start(plan.start);
    }
    this.nothingToDo = plan;
    return undefined;
  }

  /** The experiment's record notes this run's start, resume or end (a run outside any experiment is skipped). */
  private async noteInExperiment(): Promise<void> {
    if (this.o.experiment === undefined) return;
    const now = new Date(this.d.clock.now()).toISOString();
    await noteRun(this.d.runs, this.run, this.current.state, { fingerprint: this.o.experiment, iterations: this.s.iterations, now });
  }

  private ownerFields(): Pick<RunState, 'ownerPid' | 'ownerHost' | 'ownerStartTime'> {
    const { pid, host, startTime } = this.d.owner;
    return { ownerPid: pid, ownerHost: host, ownerStartTime: startTime };
  }

  /** run.json's one writer: each call merges its fields into what was written before. */
  private async writeRun(fields: Record<string, unknown>): Promise<void> {
    this.run = { ...this.run, ...fields };
    await this.current.ledger.writeJson('run.json', this.run);
  }

  private get current(): { ledger: RunLedger; state: RunState } {
    if (!this.ledger || !this.state) throw new Error('the run is not open: start() or resume() comes first');
    return { ledger: this.ledger, state: this.state };
  }
}
