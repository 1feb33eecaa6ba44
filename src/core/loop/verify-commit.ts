import { relative } from 'node:path';
import { faultPoint } from '../../fault.js';
import { pathsOutsideScope, protectedPathHits } from '../protected-paths.js';
import { enter, fail, NEXT, stashLeftovers, type IterationContext, type PhaseOutcome } from './context.js';
import { closesOnto } from './git-phases.js';
import { restoreRewritten } from './git-guard.js';
import type { CommitRange } from './outcome.js';
import { leftoverMessage } from './tree-steps.js';

/**
 * verify-commit: HEAD moved forward from the iteration's start (one or more commits, kept or reverted as one
 * range), the tree is clean (leftovers stashed by SHA), and the range touches no protected path, leaves the
 * run directory untracked and stays in the scope. A range that breaks a rule is reverted before its policy
 * applies. HEAD, its branch and the status come from the guard's one status after the agent pass (git-guard.ts).
 */
export async function verifyCommit(c: IterationContext): Promise<PhaseOutcome> {
  const headBefore = c.it.headBefore;
  if (headBefore === undefined) throw new Error('verify-commit: the prompt phase has not run');
  await enter(c, { phase: 'verify-commit' });
  const { git } = c.d;
  const guard = c.it.git;
  const snap = guard?.afterAgent ?? (await git.snapshot());
  if (guard) guard.afterAgent = undefined;
  const headAfter = snap.head ?? (await git.head());
  c.it.head = headAfter;
  faultPoint('after-agent-commit');
  await stashLeftovers(c, leftoverMessage(c.it.i), snap.entries);
  if (headAfter === headBefore) {
    if (c.s.requireCommit) return fail(c, 'no-commit', 'the agent made no commit');
    return { kind: 'end', result: { kind: 'no-change' } };
  }
  const commits = guard?.passCommits?.to === headAfter ? guard.passCommits.commits : await git.commitsBetween(headBefore, headAfter);
  if (!closesOnto(commits, headBefore) && !(await git.isAncestor(headBefore, headAfter))) {
    // Only reached when no guarded pass ran before (the guard restores a rewritten branch itself).
    const branch = guard?.branch ?? snap.branch;
    if (branch === undefined) return fail(c, 'history-rewritten', `HEAD ${headAfter.slice(0, 12)} does not descend from ${headBefore.slice(0, 12)} on a detached HEAD; nothing was reverted`);
    return fail(c, 'history-rewritten', (await restoreRewritten(c, headAfter, branch)).detail);
  }
  const range: CommitRange = { from: headBefore, to: headAfter, shas: commits.map((x) => x.sha) };
  c.it.range = range;
  const ahead = guard?.ahead;
  const readAhead = ahead?.from === headBefore && ahead.to === headAfter ? await ahead.paths : undefined;
  const changed = readAhead ?? (await git.changedPaths(headBefore, headAfter));
  if (guard) guard.changed = { to: headAfter, paths: changed };
  const ledger = ledgerPaths(changed, c.s.ledgerRel);
  if (ledger.length > 0) {
    const shown = ledger.slice(0, 5).join(', ') + (ledger.length > 5 ? `, … (${ledger.length} in all)` : '');
    return { kind: 'revert', range, reason: 'ledger-committed', detail: `the agent's commits track gdnctl's run directory (${shown}); it is untracked again and the range reverted` };
  }
  const hits = protectedPathHits(changed, [...c.s.protect, ...(c.state.bootstrapProtect ?? [])]);
  if (hits.length > 0) {
    return { kind: 'revert', range, reason: 'touched-protected-path', detail: `changed protected path(s): ${hits.map((h) => `${h.path} (${h.glob})`).join(', ')}` };
  }
  // The hill-climb log is exempt: every iteration must commit its entry, wherever the log lives.
  const outside = pathsOutsideScope(changed, c.s.scope).filter((p) => p !== relative(git.root, c.s.hillclimbLog));
  if (outside.length > 0) {
    const shown = outside.slice(0, 10).join(', ') + (outside.length > 10 ? `, … (${outside.length} in all)` : '');
    return { kind: 'revert', range, reason: 'outside-scope', detail: `changed path(s) outside the scope (${c.s.scope.join(', ')}): ${shown}` };
  }
  return NEXT;
}

/** The changed paths inside the run directory, when it lies in the repository. */
export function ledgerPaths(paths: readonly string[], ledgerRel: string | undefined): string[] {
  if (ledgerRel === undefined || ledgerRel === '' || ledgerRel.startsWith('..') || ledgerRel.startsWith('/')) return [];
  return paths.filter((p) => p.startsWith(`${ledgerRel}/`));
}
