/**
 * The parallel-candidates loop (`codex-loop --parallel K`): rounds of K candidates from one champion.
 *
 *   run:  round r ─▶ stop? ─ yes ─▶ run-stopped / target-reached
 *           ▲          │ no
 *           └─ sleep ◀─ r < last? ─ no ─▶ run-done
 *
 *   round r:  base = HEAD of the loop's branch (the champion)
 *     ─▶ K candidates at once, each: worktree c<k> on gdnctl/<run>/r<r>-c<k> at base ─▶ the loop's own iteration
 *        (guard-tree … post-checks, measure against the champion at α/K, decide, record) through the run's writer
 *     ─▶ all done, or --round-timeout-minutes passed (late ones ended, recorded as timed out)
 *     ─▶ finalists (promoted at α/K; without --bench: kept) ─▶ ranked by a short interleaved round
 *     ─▶ the best onto the loop's branch (promotion.ts); the others stay on their branches, explored
 *     ─▶ what each explored feeds the next round's prompts (diversity.ts)
 *
 *   resume: the round in state.json continues: finished candidates stay, the others' agents are ended and
 *   their worktrees' leftovers stashed by SHA before they run again; a promotion begun (its intent is saved
 *   before the branch moves) is found on the loop's branch and kept, never ranked or applied twice.
 */
import type { LoopDeps } from '../loop/engine.js';
import { loopEventStream, type EmitLoopEvent, type LoopEvent } from '../loop/events.js';
import { addTokens, type IterationRecord, type LoopResult, type LoopStop } from '../loop/outcome.js';
import type { RunLedger } from '../../ports/ledger.js';
import type { LoopSettings } from '../loop/settings.js';
import type { ParallelPorts } from '../../ports/parallel.js';
import { runCandidate, type CandidateRun } from './candidate.js';
import { directions, slotTexts, type Explored } from './diversity.js';
import { keptOnBranch, type CandidateStatus } from './explored.js';
import { rankFinalists } from './finalists.js';
import { roundOf, roundSlots, type ParallelPlan } from './plan.js';
import { promoteWinner } from './promotion.js';
import { announcePromotion, resumePromotion, type PromotionRecordContext } from './promotion-record.js';
import { RunWriter, type CandidateEntry, type ParallelRunState, type ParallelStateFields } from './run-writer.js';
import { faultPoint } from '../../fault.js';
import { removeCandidateTrees } from './tree-cleanup.js';

export interface ParallelConfig {
  plan: ParallelPlan;
  direction: 'higher' | 'lower';
  /** --bench: candidates are measured against the champion (the session's measurer may be absent: on the nodes). */
  measured: boolean;
}

type RoundEnd = { result?: LoopResult };

export class ParallelOrchestrator {
  private readonly w: RunWriter;
  private readonly emit: EmitLoopEvent;
  /** record.json of each candidate absorbed by this process, by iteration (a resumed round reads the others'). */
  private readonly records = new Map<number, IterationRecord>();
  /** Each absorbed candidate's held-back promoted events (candidate.ts), shown once the round is decided. */
  private readonly held = new Map<number, LoopEvent[]>();

  constructor(
    private readonly s: LoopSettings,
    private readonly d: LoopDeps,
    private readonly state: ParallelRunState,
    private readonly cfg: ParallelConfig,
    private readonly ports: ParallelPorts,
  ) {
    this.w = new RunWriter(d.ledger, state, d.memory, () => d.clock.now());
    this.emit = loopEventStream({ event: (t, data) => this.w.event(t, data) }, d.console);
  }

  async run(first: number): Promise<LoopResult> {
    const { s, d } = this;
    const k = this.cfg.plan.k;
    try {
      const notes = (await this.ports.holdAll?.(k, d.signal, (slot) => (type, data) => this.w.event(type, { ...data, slot }))) ?? [];
      for (const n of notes) d.console.warn(n);
      if (this.ports.baseline && !d.signal.aborted) {
        const b = await this.ports.baseline(await d.git.head(), d.signal);
        if (!b.ok) return await this.stopped({ reason: 'iteration-error', cause: 'policy-fail', iteration: first, message: `baseline refused: ${b.reason}` });
      }
      const last = roundOf(s.iterations, k);
      for (let round = roundOf(first, k); round <= last; round++) {
        if (d.signal.aborted) return this.interrupted();
        const end = await this.round(round, first);
        if (end.result) return end.result;
        if (round < last && s.sleepMs > 0) await d.clock.sleep(s.sleepMs, d.signal).catch(() => undefined);
      }
      if (d.signal.aborted) return this.interrupted();
      this.state.status = 'done';
      await this.w.saveState();
      await this.emit({ type: 'run-done', iterations: s.iterations });
      return { kind: 'done', iterations: s.iterations };
    } finally {
      await removeCandidateTrees({ d, state: this.state, w: this.w, ports: this.ports, k }).catch((e: Error) => d.console.warn(`removing the candidates' worktrees failed: ${e.message}`));
      await this.ports.releaseAll?.({ hurry: false }).catch((e: Error) => d.console.warn(`releasing the candidates' TPUs failed: ${e.message}`));
    }
  }

  private get p(): ParallelStateFields {
    this.state.parallel ??= { k: this.cfg.plan.k, round: 0, candidates: [], previous: [] };
    return this.state.parallel;
  }

  /** A resumed round: the dead run's candidate agents are ended before anything touches their worktrees. */
  private async recover(round: number): Promise<void> {
    const arch = (this.d.ledger as Partial<RunLedger>).archiveAttempt;
    for (const e of this.p.candidates) {
      if (e.done) continue;
      if (e.agentPgid) {
        this.d.console.info(`ending the interrupted run's candidate ${e.slot} agent (process group ${e.agentPgid})`);
        await this.d.runner.killGroup(e.agentPgid, this.ports.killGraceMs);
        e.agentPgid = undefined;
      }
      // The ledger is the run's own (a RunLedger) in production: the interrupted attempt's files move aside.
      if (arch) await arch.call(this.d.ledger, e.iteration);
    }
    await this.w.event('resume', { round, candidates: this.p.candidates.filter((e) => !e.done).map((e) => e.slot) });
  }

  private async round(round: number, first: number): Promise<RoundEnd> {
    const { s, d, state } = this;
    const k = this.cfg.plan.k;
    const slots = roundSlots(round, k, first, s.iterations);
    const p = this.p;
    if (p.round === round && p.base && p.candidates.length > 0) await this.recover(round);
    else Object.assign(p, { round, base: await d.git.head(), candidates: [] as CandidateEntry[] });
    const base = p.base!;
    const todo = slots.filter((sl) => !p.candidates.some((e) => e.slot === sl.slot && e.done));
    for (const sl of todo) {
      p.candidates = p.candidates.filter((e) => e.slot !== sl.slot);
      p.candidates.push({ slot: sl.slot, iteration: sl.iteration, branch: '', dir: '', phase: 'preflight', done: false });
    }
    p.candidates.sort((a, b) => a.slot - b.slot);
    // The run's own state stays at the last finished round: a resume's recovery leaves the operator's tree alone.
    state.iteration = (slots[0]?.iteration ?? first) - 1;
    state.iterationDone = true;
    state.champion = base;
    await this.w.event('round-started', { round, base, slots: todo.map((x) => x.slot), iterations: todo.map((x) => x.iteration) });
    await this.w.saveState();

    const texts = slotTexts(round, k, directions(k, this.cfg.plan.pinned, p.previous), p.previous);
    const timer = new AbortController();
    const timeoutMs = this.cfg.plan.roundTimeoutMs;
    const handle = timeoutMs !== undefined ? setTimeout(() => timer.abort({ signalName: 'round-timeout' }), timeoutMs) : undefined;
    const signal = AbortSignal.any([d.signal, timer.signal]);
    const start = { failures: state.failures, consecutive: state.consecutiveFailures };
    let stop: LoopStop | undefined;
    // Each candidate is absorbed the moment it is done, so a run killed later in the round keeps it.
    const one = async (sl: (typeof todo)[number]): Promise<void> => {
      const r = await runCandidate({ s, d, ports: this.ports, writer: this.w, slot: sl, base, text: texts[sl.slot - 1]!, signal });
      if (d.signal.aborted) return;
      const got = await this.absorb(r, start, timer.signal.aborted);
      stop ??= got;
    };
    try {
      await Promise.all(todo.map(one));
    } finally {
      if (handle) clearTimeout(handle);
    }
    if (d.signal.aborted) {
      for (const e of p.candidates) e.agentPgid = undefined;
      await this.w.saveState();
      return { result: this.interrupted() };
    }
    state.completed.sort((a, b) => a.iteration - b.iteration);
    const promoted = await this.promote(round, base);
    await this.markExplored(round, promoted?.slot);
    this.showHeld(promoted?.slot);
    p.previous = p.candidates.map((e) => ({ ...(e.explored ?? { slot: e.slot, iteration: e.iteration, status: e.status ?? 'failed' }), promoted: e.slot === promoted?.slot }));
    state.iteration = slots.at(-1)?.iteration ?? state.iteration;
    p.promotion = undefined;
    await this.w.event('round-done', { round, promoted: promoted ? { slot: promoted.slot, iteration: promoted.iteration, head: state.champion } : null, explored: p.previous.map((e) => ({ slot: e.slot, iteration: e.iteration, status: e.status })) });
    await this.w.saveState();
    if (stop) return { result: await this.stopped(stop) };
    if (promoted?.targetReached) {
      await this.emit({ type: 'target-reached', iteration: promoted.iteration, stops: !s.continueAfterTarget });
      if (!s.continueAfterTarget) {
        state.status = 'done';
        state.stopReason = 'target-reached';
        await this.w.saveState();
        await this.emit({ type: 'run-done', iterations: promoted.iteration, stopReason: 'target-reached' });
        return { result: { kind: 'target-reached', iteration: promoted.iteration } };
      }
    }
    return {};
  }

  /**
   * A finished candidate's own state into the run's: its row, tokens, stashes and failure counters (each
   * candidate started from the round's `start`), and its entry marked done. Returns its stop, if any.
   */
  private async absorb(r: CandidateRun, start: { failures: number; consecutive: number }, timedOut: boolean): Promise<LoopStop | undefined> {
    const { state } = this;
    const cs = r.state;
    const e = this.w.entry(r.slot.slot)!;
    state.tokens = addTokens(state.tokens, cs.tokens);
    state.leftoverStashes.push(...cs.leftoverStashes);
    state.keptStashes.push(...cs.keptStashes);
    state.failures += cs.failures - start.failures;
    state.consecutiveFailures = cs.consecutiveFailures === 0 ? 0 : state.consecutiveFailures + Math.max(0, cs.consecutiveFailures - start.consecutive);
    const late = r.result?.kind === 'interrupted' && timedOut;
    if (r.record && !late) this.records.set(r.slot.iteration, r.record);
    if (r.held.length > 0 && !late) this.held.set(r.slot.slot, r.held);
    if (late) await this.recordLate(r);
    else state.completed.push(...cs.completed);
    const rec = r.record;
    const report = rec?.report?.ok ? rec.report.report : undefined;
    Object.assign(e, {
      done: true, agentPgid: undefined, phase: 'record',
      outcome: late ? 'failed' : rec?.outcome, status: late ? 'round-timeout' : rec?.status,
      head: rec?.headAfter, targetReached: rec?.decision?.targetReached === true, measured: rec?.decision?.candidate,
      explored: {
        slot: r.slot.slot, iteration: r.slot.iteration, status: late ? 'round-timeout' : (rec?.status ?? 'failed'),
        change: report?.chosen.change, reflexion: report?.reflexion, nextHypothesis: report?.nextHypothesis, considered: report?.candidates.map((c) => c.name),
      } satisfies Explored,
    });
    await this.w.saveState();
    return r.result?.kind === 'stopped' ? r.result.stop : undefined;
  }

  /** The round's one promotion reaches the console (and the notifier) as the winner's; the others as explored. */
  private showHeld(promotedSlot: number | undefined): void {
    for (const [slot, evs] of [...this.held].sort((a, b) => a[0] - b[0])) {
      for (const e of evs) this.d.console.event(slot === promotedSlot || e.type !== 'iteration-recorded' ? e : { ...e, status: 'explored' });
    }
    this.held.clear();
  }

  /** A candidate the round timeout ended: its record says so (the loop's own record never ran). */
  private async recordLate(r: CandidateRun): Promise<void> {
    const i = r.slot.iteration;
    const minutes = (this.cfg.plan.roundTimeoutMs ?? 0) / 60_000;
    const detail = `the round timeout (${minutes} min) passed before candidate ${r.slot.slot} finished; it was ended`;
    const rel = `${this.d.ledger.iterDir(i).slice(this.d.ledger.runDir.length + 1)}/record.json`;
    await this.d.ledger.writeJson(rel, { iteration: i, round: r.slot.round, slot: r.slot.slot, outcome: 'failed', status: 'round-timeout', reason: 'agent-timeout', detail, branch: r.branch });
    this.state.completed.push({ iteration: i, outcome: 'failed', reason: 'agent-timeout', durationMs: 0, tokens: r.state.tokens });
    await this.w.event('iteration-recorded', { iteration: i, outcome: 'failed', status: 'round-timeout', reason: 'agent-timeout', round: r.slot.round, slot: r.slot.slot });
  }

  /** The round's candidates kept on their own branch but not promoted become explored (explored.ts). */
  private async markExplored(round: number, promotedSlot: number | undefined): Promise<void> {
    for (const e of this.p.candidates) {
      if (!e.done || e.slot === promotedSlot || e.status === undefined || !keptOnBranch(e.status as CandidateStatus)) continue;
      const rec = this.records.get(e.iteration) ?? ((await this.ports.readRecord?.(e.iteration).catch(() => undefined)) as IterationRecord | undefined);
      // Already marked by the run this one resumes (it died before the round was saved as done).
      if (!rec || rec.status === 'explored') continue;
      await this.w.markExplored(rec, round, promotedSlot);
    }
  }

  private ledgerSide(): PromotionRecordContext {
    return { d: this.d, state: this.state, p: this.p, w: this.w, ports: this.ports };
  }

  /** Finalists ranked, the best brought onto the loop's branch; returns its entry, or undefined. */
  private async promote(round: number, base: string): Promise<CandidateEntry | undefined> {
    const { d, state } = this;
    const p = this.p;
    const pending = p.promotion?.round === round ? p.promotion : undefined;
    if (pending) {
      const done = await resumePromotion(this.ledgerSide(), pending);
      if (done) return done;
    }
    const measured = this.cfg.measured;
    const finalists = p.candidates.filter((e) => e.done && e.head && (measured ? e.status === 'promoted' : e.outcome === 'kept'));
    if (finalists.length === 0) return undefined;
    const ranked = await rankFinalists(
      finalists.map((e) => ({ slot: e.slot, dir: e.dir, measured: e.measured })),
      { bench: measured ? this.ports.finalistBench : undefined, direction: this.cfg.direction, signal: d.signal },
    ).finally(() => this.ports.finalistsDone?.().catch(() => undefined));
    for (const slot of ranked.order) {
      const e = finalists.find((f) => f.slot === slot)!;
      const intent = async (stash: string | undefined): Promise<void> => {
        p.promotion = { round, slot, iteration: e.iteration, base, tip: e.head!, before: await d.git.head(), stash };
        await this.w.saveState();
      };
      const got = await promoteWinner({ s: this.s, d, ports: this.ports, state, intent }, { round, slot, iteration: e.iteration, base, tip: e.head! });
      if (!got.ok) {
        p.promotion = undefined;
        d.console.warn(`round ${round}: candidate ${slot} was not promoted: ${got.reason}`);
        continue;
      }
      faultPoint('after-promotion');
      Object.assign(p.promotion!, { head: got.head, how: got.how });
      await this.w.saveState();
      await announcePromotion(this.ledgerSide(), e, got.head, got.how, { ranking: ranked.order, finalistValues: ranked.values });
      d.console.info(`round ${round}: candidate ${slot} (iteration ${e.iteration}) promoted by ${got.how}; ${ranked.order.length - 1} other finalist(s) stay on their branches`);
      return e;
    }
    return undefined;
  }

  private async stopped(stop: LoopStop): Promise<LoopResult> {
    this.state.status = 'stopped';
    this.state.stopMessage = stop.message;
    await this.w.saveState();
    await this.emit({ type: 'run-stopped', stop });
    return { kind: 'stopped', stop };
  }

  private interrupted(): LoopResult {
    const reason = this.d.signal.reason as { signalName?: string } | undefined;
    return { kind: 'interrupted', signalName: reason?.signalName ?? 'SIGINT' };
  }
}
