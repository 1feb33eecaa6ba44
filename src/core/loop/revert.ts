import { relative } from 'node:path';
import type { Git } from '../../ports/git.js';
import { faultPoint } from '../../fault.js';
import { iterNumber } from '../text/iteration-name.js';
import { stashLeftovers, treePorts, type IterationContext, type RevertOutcome } from './context.js';
import { markFailedEntry } from './failed-entry.js';
import type { CommitRange, FailureReason, IterationResult } from './outcome.js';
import { leftoverMessage, revertUnvalidatedStep } from './tree-steps.js';
import { ledgerPaths } from './verify-commit.js';

/**
 * The revert path: a range that failed (agent, protected path, scope, planner, post-checks, measurement) is
 * undone with a revert commit before its policy applies, so the next iteration starts from a validated state
 * and the work stays in history. The failure is recorded in the phase where it happened.
 */
export async function revertAndFail(c: IterationContext, failure: RevertOutcome): Promise<IterationResult> {
  const { range, reason, detail } = failure;
  const i = c.it.i;
  const phase = c.it.phase ?? c.state.phase;
  const withDecision = (r: IterationResult): IterationResult => (failure.decision && r.kind === 'failed' ? { ...r, decision: failure.decision } : r);
  await stashLeftovers(c, leftoverMessage(i));
  const agentLog = await c.d.files.read(c.s.hillclimbLog);
  await untrackLedger(c, range);
  let r: Awaited<ReturnType<typeof revertUnvalidatedStep>>;
  try {
    r = await revertUnvalidatedStep(treePorts(c), i, range, reason, `gdnctl: revert iteration ${iterNumber(i)} (${reason})`, () => faultPoint('during-revert'));
  } catch (e) {
    // git refused the revert commit (the adapter aborted the revert): the range is still on the branch.
    const why = `gdnctl could not commit the revert of ${range.from.slice(0, 12)}..${range.to.slice(0, 12)} (${(e as Error).message.split('\n')[0]}); revert it by hand (git revert --no-edit ${range.from}..${range.to}); ${detail}`;
    return withDecision({ kind: 'failed', reason: 'revert-failed', detail: why, phase, range });
  }
  if (r.kind === 'conflict') {
    const why = `reverting ${range.from.slice(0, 12)}..${range.to.slice(0, 12)} conflicts in ${r.paths.join(', ')} (revert aborted); ${detail}`;
    return withDecision({ kind: 'failed', reason: 'revert-conflict', detail: why, phase, range });
  }
  c.it.head = r.sha;
  await recordFailedEntry(c, agentLog, range, reason).catch((e: Error) =>
    c.emit({ type: 'failed-entry-not-recorded', iteration: i, error: e.message.split('\n')[0] ?? '' }),
  );
  return withDecision({ kind: 'failed', reason, detail, phase, range, revertSha: r.sha });
}

/**
 * A range that added files of the run directory would delete them from disk when reverted: they leave the index
 * first, in a commit of the loop's own, and stay where they are (ignored again: the exclude is kept in place).
 */
async function untrackLedger(c: IterationContext, range: CommitRange): Promise<void> {
  const rel = c.s.ledgerRel;
  if (rel === undefined || ledgerPaths([`${rel}/x`], rel).length === 0) return;
  // verify-commit listed the agent's paths; what follows them in the range is the loop's own stamp.
  const changed = c.it.git?.changed?.paths ?? (await c.d.git.changedPaths(range.from, range.to));
  if (ledgerPaths(changed, rel).length === 0) return;
  const sha = await c.d.git.untrackDir(rel, `gdnctl: untrack the run directory (iteration ${iterNumber(c.it.i)})`);
  if (sha) c.it.head = sha;
}

/**
 * The revert also took back the agent's hill-climb log entry; put it back with `Commit: none (<reason>)`
 * (lint-log accepts it), in a commit of the loop's own, so the next iteration learns what failed.
 */
async function recordFailedEntry(c: IterationContext, agentLog: string | undefined, range: CommitRange, reason: FailureReason): Promise<void> {
  if (agentLog === undefined) return;
  const now = await c.d.files.read(c.s.hillclimbLog);
  const marked = markFailedEntry(agentLog, range.shas, reason);
  if (marked === undefined || marked === now) return;
  await c.d.files.write(c.s.hillclimbLog, marked);
  c.it.head = await c.d.git.commitPaths([relative(c.d.git.root, c.s.hillclimbLog)], `gdnctl: record failed iteration ${iterNumber(c.it.i)} (${reason})`);
}

/** The range from the iteration's start to the current HEAD (agent commits plus the loop's stamp commit). */
export function rangeToHead(c: IterationContext, range: CommitRange): CommitRange {
  const head = c.it.head ?? range.to;
  return head === range.to ? range : { ...range, to: head, shas: [...range.shas, head] };
}

/** What a failed pass committed since `headBefore`, when HEAD moved forward from it. */
export async function rangeSince(git: Git, headBefore: string): Promise<CommitRange | undefined> {
  const head = await git.head();
  if (head === headBefore || !(await git.isAncestor(headBefore, head))) return undefined;
  const commits = await git.commitsBetween(headBefore, head);
  return { from: headBefore, to: head, shas: commits.map((c) => c.sha) };
}
