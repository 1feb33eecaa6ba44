/**
 * The loop's driver: it walks this state machine and does nothing else. Each phase is a function in its own
 * file taking the iteration context and returning an outcome (context.ts); [bracketed] ones run only when
 * configured.
 *
 *   run:  iteration i ─▶ stop? ─ yes ─▶ run-stopped          (a fail policy, a budget, a stash that will not apply)
 *            ▲             │ no
 *            │          target reached? ─ yes ─▶ run-done    (target-reached, unless --continue-after-target)
 *            │             │ no
 *            └── sleep ◀── i < last? ─ no ─▶ run-done
 *
 *   iteration i:
 *     guard-tree ─▶ [sync-main] ─▶ prompt ─▶ [plan] ─▶ agent ─▶ verify-commit ─▶ stamp ─▶ [post-checks] ─▶ [measure] ─▶ decide
 *                                                                                                                         │ kept
 *     any phase ────────── failed / no-change ─────────────────────────────────────────────────────────────────▶ record ◀─┘
 *     plan, agent, verify-commit, post-checks, measure ── unvalidated range ─▶ revert ── failed ───────────────▶ record
 *
 *     an abort before record ─▶ end agent ─▶ stash leftovers ─▶ restore operator stash ─▶ throw Interrupted
 *     (the run session then releases the TPU and writes `interrupted`: docs/architecture.md "The signal path")
 */
import { Interrupted } from '../../errors.js';
import { agent } from './agent.js';
import { beginIteration, flushMemory, restoreOperatorWork, stashLeftovers, type IterationContext, type LoopRun, type PhaseOutcome } from './context.js';
import { decide } from './decide.js';
import { guardTree } from './guard-tree.js';
import { measure } from './measure.js';
import { isBudgetReason } from '../budget/caps.js';
import type { IterationResult, LoopResult, LoopStop } from './outcome.js';
import { phaseMayLeaveAgentEdits, type IterationPhase } from './phases.js';
import { postChecks } from './post-checks.js';
import { plan, prompt } from './prompt.js';
import { record, type RecordOutcome } from './record.js';
import { revertAndFail } from './revert.js';
import { stamp } from './stamp.js';
import { syncMain, syncsIn } from './sync-main.js';
import { verifyCommit } from './verify-commit.js';
import { leftoverMessage } from './tree-steps.js';
import { endMarkedChildren, phaseStartsChildren } from './marked-children.js';

type Walked = Exclude<IterationPhase, 'record'>;

const PHASES: Record<Walked, (c: IterationContext) => Promise<PhaseOutcome>> = {
  'guard-tree': guardTree,
  'sync-main': syncMain,
  prompt,
  plan,
  agent,
  'verify-commit': verifyCommit,
  stamp,
  'post-checks': postChecks,
  measure,
  decide,
};

/** The arrow out of a phase that went on; decide always ends the iteration. */
function following(phase: Exclude<Walked, 'decide'>, c: IterationContext): Walked {
  const measureOrDecide: Walked = c.d.measurer ? 'measure' : 'decide';
  switch (phase) {
    case 'guard-tree':
      return syncsIn(c.s.syncMain, c.it.i) ? 'sync-main' : 'prompt';
    case 'sync-main':
      return 'prompt';
    case 'prompt':
      return c.s.planFirst ? 'plan' : 'agent';
    case 'plan':
      return 'agent';
    case 'agent':
      return 'verify-commit';
    case 'verify-commit':
      return 'stamp';
    case 'stamp':
      return c.s.postChecks.length > 0 ? 'post-checks' : measureOrDecide;
    case 'post-checks':
      return measureOrDecide;
    case 'measure':
      return 'decide';
    default: {
      const never: never = phase;
      throw new Error(`unknown phase ${String(never)}`);
    }
  }
}

/** Iterations `first`…settings.iterations, until a policy stops the run, --target is reached or a signal comes. */
export async function runLoop(r: LoopRun, first: number): Promise<LoopResult> {
  const { s, d, state } = r;
  for (let i = first; i <= s.iterations; i++) {
    if (d.signal.aborted) return interrupted(r);
    // A run budget that has run out (with what the next iteration may spend) ends the run before it starts.
    const spent = r.budget?.beforeIteration();
    if (spent) return stopped(r, { reason: spent.reason, cause: 'budget', iteration: i, message: `before iteration ${i}: ${spent.reason} (${spent.detail})` });
    let end: RecordOutcome;
    try {
      const tpu = d.tpu;
      if (tpu && tpu.current()) {
        // A preempted node is replaced before the agent needs it; directives and post-checks see the new one.
        const alive = await tpu.ensureAlive(d.signal);
        if (alive.reacquired) await r.emit({ type: 'tpu-replaced', name: alive.node?.name, zone: alive.node?.zone });
      }
      end = await iteration(r, i);
    } catch (e) {
      if (e instanceof Interrupted || d.signal.aborted) return interrupted(r);
      throw e;
    }
    if (end.targetReached && !end.stop) {
      const { value } = end.targetReached;
      await r.emit({ type: 'target-reached', iteration: i, ...(value === undefined ? {} : { value }), stops: !s.continueAfterTarget });
      if (!s.continueAfterTarget) {
        state.status = 'done';
        state.stopReason = 'target-reached';
        await r.saveState();
        await r.emit({ type: 'run-done', iterations: i, stopReason: 'target-reached' });
        return { kind: 'target-reached', iteration: i, ...(value === undefined ? {} : { value }) };
      }
    }
    if (end.stop) return stopped(r, end.stop);
    if (i < s.iterations && s.sleepMs > 0) {
      // Someone may touch the tree while we sleep: the next guard-tree asks git again.
      Object.assign(r.cache, { cleanStatus: undefined, head: undefined });
      await flushMemory(r);
      await d.clock.sleep(s.sleepMs, d.signal).catch(() => undefined);
    }
  }
  if (d.signal.aborted) return interrupted(r);
  state.status = 'done';
  // Not fsynced: the last record is durable, and a resume from it finds no iteration left either.
  await r.saveState({ durable: false });
  await r.emit({ type: 'run-done', iterations: s.iterations });
  return { kind: 'done', iterations: s.iterations };
}

/**
 * One iteration outside the numbered run (--bootstrap-infra's iteration 0): recorded like any other, but the
 * caller judges the outcome. Returns the stop or interruption, or undefined when the policies go on.
 */
export async function runSingle(r: LoopRun, i: number): Promise<LoopResult | undefined> {
  try {
    const { stop } = await iteration(r, i);
    return stop ? { kind: 'stopped', stop } : undefined;
  } catch (e) {
    if (e instanceof Interrupted || r.d.signal.aborted) return interrupted(r);
    throw e;
  }
}

/** One iteration: walk the phases, then record. Throws Interrupted after cleaning up. */
async function iteration(r: LoopRun, i: number): Promise<RecordOutcome> {
  const c = beginIteration(r, i);
  let result: IterationResult;
  try {
    result = await walk(c);
  } catch (e) {
    if (e instanceof Interrupted || r.d.signal.aborted) {
      await cleanUpInterrupted(c);
      throw new Interrupted();
    }
    result = { kind: 'failed', reason: 'iteration-error', detail: (e as Error).message, phase: r.state.phase };
  }
  return record(c, result);
}

async function walk(c: IterationContext): Promise<IterationResult> {
  for (let phase: Walked = 'guard-tree'; ; ) {
    const out = await PHASES[phase](c);
    if (phaseStartsChildren(phase)) await endMarkedChildren(c, phase);
    switch (out.kind) {
      case 'end':
        return out.result;
      case 'revert':
        return revertAndFail(c, out);
      case 'next':
        if (phase === 'decide') throw new Error('decide went on instead of ending the iteration');
        phase = following(phase, c);
        break;
      default: {
        const never: never = out;
        throw new Error(`unknown phase outcome ${JSON.stringify(never)}`);
      }
    }
  }
}

/**
 * The iteration's half of the signal path. The agent runner ended the agent's group when the signal fired
 * (its pass has returned by now), so only its id is dropped; what it left is stashed, the operator's work
 * comes back, whatever --stash-restore-policy says.
 */
async function cleanUpInterrupted(c: IterationContext): Promise<void> {
  c.state.agentPgid = undefined;
  await endMarkedChildren(c, c.state.phase);
  // Before the agent ran, what is uncommitted is the operator's own (not yet stashed by guard-tree, or restored
  // by the previous iteration's record): it stays in the tree, never swept into a "leftover" stash.
  if (phaseMayLeaveAgentEdits(c.state.phase)) await stashLeftovers(c, leftoverMessage(c.it.i));
  await restoreOperatorWork(c);
}

async function stopped(r: LoopRun, stop: LoopStop): Promise<LoopResult> {
  r.state.status = 'stopped';
  r.state.stopMessage = stop.message;
  if (isBudgetReason(stop.reason)) r.state.stopReason = stop.reason;
  await r.saveState();
  await r.emit({ type: 'run-stopped', stop });
  return { kind: 'stopped', stop };
}

function interrupted(r: LoopRun): LoopResult {
  const reason = r.d.signal.reason as { signalName?: string } | undefined;
  return { kind: 'interrupted', signalName: reason?.signalName ?? 'SIGINT' };
}
