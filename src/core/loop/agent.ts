import type { AgentRunInput } from '../../ports/agent.js';
import { faultPoint } from '../../fault.js';
import { runAgentPhase, type AgentPhaseResult } from './agent-phase.js';
import { check, enter, fail, flushMemory, NEXT, stashLeftovers, type IterationContext, type PhaseOutcome } from './context.js';
import { afterPass, beforePass } from './git-guard.js';
import { addTokens, type CommitRange, type FailureReason } from './outcome.js';
import { leftoverMessage } from './tree-steps.js';

/**
 * agent: the implementing pass (with the retries of agent-phase.ts). A pass that fails after committing
 * leaves an unvalidated range, which is reverted before the failure is recorded. So does a pass after which
 * the guard had to repair git (git-guard.ts): the iteration fails with the first repair's reason.
 */
export async function agent(c: IterationContext): Promise<PhaseOutcome> {
  const headBefore = c.it.headBefore;
  const prompt = c.it.prompt;
  if (headBefore === undefined || prompt === undefined) throw new Error('agent: the prompt phase has not run');
  // headBefore is durable before the agent can commit: a resume reverts from there.
  await enter(c, { phase: 'agent', headBefore }, { persist: true });
  const outputSchemaFile = c.d.reportSchema ? await c.d.reportSchema(c.it.iterDir) : undefined;
  const pass = await agentPass(c, { prompt, iterDir: c.it.iterDir, ...(outputSchemaFile ? { outputSchemaFile } : {}) });
  if (pass.result.report) c.it.report = pass.result.report;
  check(c);
  const repairs = c.it.git?.violations ?? [];
  if (pass.result.ok && repairs.length === 0) return NEXT;
  // A time cap that ran out ended the pass: the iteration fails with the budget's reason, and record stops the run.
  const failure: FailureReason | undefined = pass.budgetStop?.reason ?? (pass.result.ok ? undefined : (pass.result.failure ?? 'agent-exit-nonzero'));
  const why = pass.budgetStop ? pass.budgetStop.detail : pass.result.detail;
  const agentDetail = failure ? `${failure}${why ? `: ${why}` : ''} after ${pass.attempts} attempt(s)` : undefined;
  const reason: FailureReason = repairs[0]?.reason ?? failure ?? 'agent-exit-nonzero';
  // The first repair names the reason; the others (and the agent's own failure) follow with theirs.
  const detail = [...repairs.map((v, k) => (k === 0 ? v.detail : `${v.reason}: ${v.detail}`)), ...(agentDetail ? [agentDetail] : [])].join('; ');
  const range = passRange(c, headBefore);
  return range ? { kind: 'revert', range, reason, detail } : fail(c, reason, detail);
}

/** What the pass committed on the loop's branch, as the guard listed it (it restored a rewritten branch). */
function passRange(c: IterationContext, headBefore: string): CommitRange | undefined {
  const head = c.it.git?.afterAgent?.head;
  const listed = c.it.git?.passCommits;
  if (head === undefined || head === headBefore || listed?.to !== head) return undefined;
  return { from: headBefore, to: head, shas: listed.commits.map((x) => x.sha) };
}

/**
 * One agent pass with its retries (the implementing pass, or --plan-first's planner); its tokens and process
 * time add to the iteration's. The agent's process group is in state.json exactly while it runs: written when
 * it spawns (a resume ends that group first), cleared once the pass is over.
 */
export async function agentPass(c: IterationContext, over: Pick<AgentRunInput, 'prompt' | 'iterDir'> & Partial<AgentRunInput>): Promise<AgentPhaseResult> {
  const base = await beforePass(c);
  let pending: Promise<void> = Promise.resolve();
  let spawned = false;
  // The time caps are watched while the agent runs; the run's own signal still ends it too.
  const watch = c.budget?.watch(c.d.signal);
  const passSignal = watch?.signal ?? c.d.signal;
  const phase = runAgentPhase({
    agent: c.d.agent,
    input: {
      iteration: c.it.i,
      workdir: c.s.workdir,
      timeoutMs: c.s.agentTimeoutMs,
      idleTimeoutMs: c.s.agentIdleTimeoutMs,
      onSpawn: (pgid) => {
        c.state.agentPgid = pgid;
        spawned = true;
        // The previous iteration's memory files are written now, while the agent works, not before it starts.
        pending = pending.then(() => c.saveState({ durable: false })).then(() => faultPoint('agent-running')).then(() => flushMemory(c, 'agent-running'));
      },
      onDisplay: (line) => void c.emit({ type: 'output', line }),
      ...over,
    },
    retries: c.s.agentRetries,
    transientRetries: c.s.transientRetries,
    retrySleepMs: c.s.retrySleepMs,
    maxBackoffMs: c.s.transientMaxBackoffMs,
    clock: c.d.clock,
    signal: passSignal,
    ...(c.s.limitWait ? { limitWait: c.s.limitWait } : {}),
    onLimitWait: (w) =>
      c.emit({ type: 'limit-wait', iteration: c.it.i, failure: w.failure, resumeAt: new Date(w.resumeAtMs).toISOString(), waitMs: w.waitMs, detail: w.detail }),
    betweenAttempts: async (_r, attempt) => {
      await pending;
      // The next attempt starts from a repository the loop understands, on the loop's branch.
      await afterPass(c, base);
      await stashLeftovers(c, leftoverMessage(c.it.i, `attempt-${attempt}`), c.it.git?.afterAgent?.entries);
      if (c.it.git) c.it.git.afterAgent = undefined;
    },
    note: (message) => void c.emit({ type: 'warning', message }),
  });
  let pass: AgentPhaseResult;
  try {
    pass = await phase;
  } finally {
    watch?.stop();
  }
  const ranOut = watch?.fired();
  if (ranOut && !c.d.signal.aborted) pass = { ...pass, budgetStop: ranOut };
  await pending;
  c.it.tokens = addTokens(c.it.tokens, pass.tokens);
  c.it.agentProcessMs += pass.processMs;
  c.state.tokens = addTokens(c.state.tokens, pass.tokens);
  c.state.agentPgid = undefined;
  // Before the state.json write below, which would hide a deleted run directory by writing it again.
  await afterPass(c, base);
  // Once the group is gone its id may be reused: a resume must not find it in state.json and end a stranger.
  // Neither this write nor the one at the spawn is fsynced: after an OS crash no group survives, and what a
  // crash of this process leaves is in the page cache.
  if (spawned) await c.saveState({ durable: false });
  return pass;
}
