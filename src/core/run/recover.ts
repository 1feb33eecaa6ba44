import type { ChildGroup, RunChildren } from '../../ports/children.js';
import type { CommandRunner } from '../../ports/process.js';
import type { Git } from '../../ports/git.js';
import { UsageError } from '../../errors.js';
import type { OwnerProbe, RunLedger, RunListing, RunStore } from '../../ports/ledger.js';
import type { LoopConsole } from '../loop/deps.js';
import { judgeDirtyTree, type DirtyRules } from '../loop/dirty-tree.js';
import { leftoverMessage, restoreOperatorStash, revertUnvalidated, stashLeftovers, type TreeStepDeps } from '../loop/tree-steps.js';
import type { RunState } from '../loop/run-state.js';
import { phaseMayLeaveAgentEdits } from '../loop/phases.js';
import { iterNumber } from '../text/iteration-name.js';
import { isBudgetReason } from '../budget/caps.js';

/**
 * A run owned by another host cannot be probed; it counts as alive so two hosts never share one run. The start
 * time recorded with the pid tells a reused pid from the owner.
 */
export function ownerGone(st: Record<string, unknown>, probe: OwnerProbe): boolean {
  const pid = st.ownerPid;
  if (typeof pid !== 'number') return true;
  const host = typeof st.ownerHost === 'string' ? st.ownerHost : '?';
  const startTime = typeof st.ownerStartTime === 'string' ? st.ownerStartTime : undefined;
  return probe({ pid, host, startTime }) === 'dead';
}

/**
 * The newest run with this config fingerprint, if it can be continued (docs/architecture.md "Resume"): status
 * `interrupted`, `running` with a dead owner, or `stopped` by a run budget. A newer finished run with the same fingerprint wins: then a
 * fresh run starts.
 */
export async function findResumable(runs: Pick<RunStore, 'list'>, fingerprint: string, probe: OwnerProbe): Promise<RunListing | undefined> {
  for (const r of await runs.list()) {
    if (r.run.fingerprint !== fingerprint) continue;
    const st = r.state;
    if (!st) return undefined;
    if (st.status === 'interrupted') return r;
    // A run a budget stopped goes on once the cap is raised (budgets are not in the fingerprint).
    if (st.status === 'stopped' && typeof st.stopReason === 'string' && isBudgetReason(st.stopReason)) return r;
    if (st.status === 'running' && ownerGone(st, probe)) return r;
    return undefined;
  }
  return undefined;
}

export interface RecoverDeps {
  git: Git;
  runner: CommandRunner;
  ledger: RunLedger;
  console: LoopConsole;
  killGraceMs: number;
  requireClean: boolean;
  /** The dirty policy the operator's own changes meet once the killed run's leftovers are stashed. */
  dirtyRules?: DirtyRules | undefined;
  /** Without it (in-process tests), only the recorded agent group is ended. */
  children?: RunChildren | undefined;
}

/**
 * End everything the killed owner started, before anything touches the repository: every recorded group (the
 * agent's too; an old state.json names only agentPgid), then, on Linux, every process still carrying the
 * owner's marker (daemons that left their group). A pid reused since by a stranger is left alone.
 */
export async function endOwnerChildren(st: RunState, deps: Pick<RecoverDeps, 'runner' | 'console' | 'killGraceMs' | 'children'>): Promise<void> {
  const groups: ChildGroup[] = [...(st.childGroups ?? [])];
  if (st.agentPgid && !groups.some((g) => g.pgid === st.agentPgid)) groups.push({ pgid: st.agentPgid });
  if (groups.length > 0) deps.console.info(`ending the interrupted run's children (process group${groups.length === 1 ? '' : 's'} ${groups.map((g) => g.pgid).join(', ')})`);
  const children = deps.children;
  if (children) await children.endGroups(groups);
  else await Promise.all(groups.map((g) => deps.runner.killGroup(g.pgid, deps.killGraceMs, g.startTime)));
  if (children && st.childMarker) {
    const left = await children.sweep(st.childMarker);
    if (left.length > 0) deps.console.info(`ended ${left.length} process(es) of the interrupted run outside its groups (pid ${left.join(', ')})`);
  }
  st.agentPgid = undefined;
  st.childGroups = [];
}

/**
 * Bring the repository back to a validated state before the resumed run touches it, in this order:
 * end the killed run's children (its agent may still be editing, its post-check may still hold the TPU), stash its partial edits by SHA,
 * revert the unvalidated commit range with a revert commit, restore the operator's stash, and move the
 * interrupted attempt's files to iter-NNN/attempt-K/. Returns the iteration to run next.
 */
export async function recoverRun(st: RunState, deps: RecoverDeps): Promise<number> {
  const { git, ledger, console: out } = deps;
  const i = st.iteration;
  await ledger.event('resume', { iteration: i, phase: st.phase, agentPgid: st.agentPgid ?? null });
  await endOwnerChildren(st, deps);
  if (st.iterationDone) {
    await refuseOperatorChanges(git, deps.dirtyRules);
    await ledger.writeState(st);
    return i + 1;
  }
  // Only a killed run can have left agent edits behind: the signal path already stashed them, and before the
  // agent phase (or under --allow-dirty) what is uncommitted is the operator's own work.
  const steps: TreeStepDeps = { git, ledger, console: out, state: st, saveState: () => ledger.writeState(st) };
  const killed = st.status !== 'interrupted';
  if (killed && deps.requireClean && phaseMayLeaveAgentEdits(st.phase)) {
    await stashLeftovers(steps, i, leftoverMessage(i, 'interrupted'), true);
  }
  // Before the revert and the attempt's archive, so a refused resume is redone whole the next time.
  await refuseOperatorChanges(git, deps.dirtyRules);
  if (st.headBefore) {
    const head = await git.head();
    if (head !== st.headBefore && (await git.isAncestor(st.headBefore, head))) {
      const r = await revertUnvalidated(steps, i, { from: st.headBefore, to: head }, 'interrupted', `gdnctl: revert interrupted iteration ${iterNumber(i)}`);
      if (r.kind === 'conflict') throw new Error(`cannot revert the interrupted iteration ${i}'s commits (${r.paths.join(', ')}); revert ${st.headBefore}..${head} by hand`);
    }
  }
  // A kept stash is named in keptStashes and reported at the end; resume itself never stops on it.
  await restoreOperatorStash(steps, i, 'warn-keep');
  const k = await ledger.archiveAttempt(i);
  st.attempt = k + 1;
  st.headBefore = undefined;
  await ledger.writeState(st);
  return i;
}

/** A resume refused on the operator's own changes (exit 2): the run stays resumable once they are gone. */
export class ResumeRefused extends UsageError {}

/**
 * Once the killed run's children are ended and their leftovers stashed, whatever is still uncommitted is the
 * operator's own work, and only that meets --dirty-policy: under `fail` it is refused. (codex-loop's preflight
 * skips its own dirty check when a run will be resumed, for this reason.)
 */
async function refuseOperatorChanges(git: Pick<Git, 'status'>, rules: DirtyRules | undefined): Promise<void> {
  if (!rules || !rules.requireClean || rules.dirtyPolicy !== 'fail') return;
  const verdict = judgeDirtyTree(await git.status(), rules);
  if (verdict.kind === 'refuse') throw new ResumeRefused(`${verdict.message} (the interrupted run resumes once they are gone)`);
}
