import { relative } from 'node:path';
import { enter, restoreOperatorWork, stashLeftovers, type IterationContext } from './context.js';
import { buildIterationRecord } from './iteration-record.js';
import type { IterationRecord, IterationResult, LoopStop } from './outcome.js';
import { judgeFailure, judgeSuccess } from './policy.js';
import { leftoverMessage } from './tree-steps.js';

export interface RecordOutcome {
  /** The policies (or --stash-restore-policy fail) end the run here. */
  stop?: LoopStop;
  /** A change that stays reached --target (the driver decides whether that ends the run). */
  targetReached?: { value?: number };
}

/**
 * record: the tree goes back to the operator (leftovers of a failed iteration stashed, the operator's stash
 * restored), the policies judge a failure, and the iteration is written down: iter-NNN/record.json, the
 * memory, state.json's summary row and the `iteration-recorded` event.
 */
export async function record(c: IterationContext, result: IterationResult): Promise<RecordOutcome> {
  const i = c.it.i;
  // Kept and no-change results were checked in verify-commit (one status per iteration); only a failure can
  // leave edits that no phase looked at yet. By-products of post-checks surface at the next verify-commit and
  // are stashed there, never lost.
  if (result.kind === 'failed') await stashLeftovers(c, leftoverMessage(i));
  // 'record' is durable before the operator's work comes back, so a resume after a kill from here on does not
  // mistake that work for agent leftovers. No abort check: the stash must be restored regardless.
  await enter(c, { phase: 'record' }, { persist: c.state.operatorStash !== undefined, checkAbort: false });
  const restoreStop = await restoreOperatorWork(c);

  // Failures of unexpected kinds may have moved HEAD behind the loop's back: ask git then.
  const head = result.kind === 'failed' && result.reason === 'iteration-error' ? await c.d.git.head() : (c.it.head ?? (await c.d.git.head()));
  let stop: LoopStop | undefined;
  let policy: IterationRecord['policy'];
  if (result.kind === 'failed') {
    const j = judgeFailure(result.reason, result.detail, i, c.s.policies, c.state);
    c.state.failures = j.counters.failures;
    c.state.consecutiveFailures = j.counters.consecutiveFailures;
    policy = j.policy;
    stop = j.stop;
    await c.emit({ type: 'iteration-failed', iteration: i, reason: result.reason, detail: result.detail, policy: j.policy });
  } else {
    Object.assign(c.state, judgeSuccess(c.state));
  }
  stop ??= restoreStop;
  const durationMs = c.d.clock.now() - c.it.startedMs;
  c.it.durationsMs.total = durationMs;
  const rec = buildIterationRecord(c.it, result, {
    attempt: c.state.attempt,
    head,
    ...(policy ? { policy } : {}),
    startedAt: new Date(c.it.startedMs).toISOString(),
    endedAt: new Date(c.d.clock.now()).toISOString(),
  });
  await c.d.ledger.writeJson(`${relative(c.d.ledger.runDir, c.it.iterDir)}/record.json`, rec);
  await c.d.memory?.record(i, rec as unknown as Record<string, unknown>);

  const targetReached = result.kind === 'kept' && result.decision?.targetReached === true;
  const candidate = result.kind === 'kept' ? result.decision?.candidate : undefined;
  const commit = result.kind === 'kept' ? result.range.to : undefined;
  c.state.completed = c.state.completed.filter((x) => x.iteration !== i);
  c.state.completed.push({
    iteration: i,
    outcome: result.kind,
    status: rec.status,
    ...(targetReached ? { targetReached } : {}),
    ...(result.kind === 'failed' ? { reason: result.reason } : {}),
    ...(commit ? { commit } : {}),
    durationMs,
    tokens: c.it.tokens,
  });
  // The next iteration starts from this HEAD, known without git while the clean status is.
  c.cache.head = c.cache.cleanStatus ? head : undefined;
  c.state.iterationDone = true;
  c.state.attempt = 0;
  c.state.headBefore = undefined;
  await c.saveState();
  await c.emit({ type: 'iteration-recorded', iteration: i, outcome: result.kind, status: rec.status, ...(result.kind === 'failed' ? { reason: result.reason } : {}) });
  return { ...(stop ? { stop } : {}), ...(targetReached ? { targetReached: candidate === undefined ? {} : { value: candidate } } : {}) };
}
