import { hostname } from 'node:os';
import type { CommandRunner } from '../../ports/process.js';
import type { Git } from '../../ports/git.js';
import { listRuns, type FileLedger, type RunListing } from '../../adapters/ledger/file-ledger.js';
import type { LoopConsole } from '../../core/loop/engine.js';
import { OperatorStash } from '../../core/loop/operator-stash.js';
import type { RunState } from '../../core/loop/run-state.js';
import { phaseMayLeaveAgentEdits } from '../../core/loop/phases.js';

function ownerAlive(pid: unknown, host: unknown): boolean {
  if (typeof pid !== 'number') return false;
  // A run owned by another host cannot be probed; treat it as alive so two hosts never share one run.
  if (host !== hostname()) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The newest run with this config fingerprint, if it can be continued (docs/architecture.md "Resume"): status
 * `interrupted`, or `running` with a dead owner. A newer finished run with the same fingerprint wins: then a
 * fresh run starts.
 */
export async function findResumable(logDir: string, fingerprint: string): Promise<RunListing | undefined> {
  for (const r of await listRuns(logDir)) {
    if (r.run.fingerprint !== fingerprint) continue;
    const st = r.state;
    if (!st) return undefined;
    if (st.status === 'interrupted') return r;
    if (st.status === 'running' && !ownerAlive(st.ownerPid, st.ownerHost)) return r;
    return undefined;
  }
  return undefined;
}

const pad = (i: number): string => String(i).padStart(3, '0');

/**
 * Bring the repository back to a validated state before the resumed run touches it, in this order:
 * end the killed run's agent process group (it may still be editing), stash its partial edits by SHA,
 * revert the unvalidated commit range with a revert commit, restore the operator's stash, and move the
 * interrupted attempt's files to iter-NNN/attempt-K/. Returns the iteration to run next.
 */
export async function recoverRun(
  st: RunState,
  deps: { git: Git; runner: CommandRunner; ledger: FileLedger; console: LoopConsole; killGraceMs: number; requireClean: boolean },
): Promise<number> {
  const { git, ledger, console: out } = deps;
  const i = st.iteration;
  await ledger.event('resume', { iteration: i, phase: st.phase, agentPgid: st.agentPgid ?? null });
  if (st.agentPgid) {
    out.info(`ending the interrupted run's agent (process group ${st.agentPgid})`);
    await deps.runner.killGroup(st.agentPgid, deps.killGraceMs);
    st.agentPgid = undefined;
  }
  if (st.iterationDone) {
    await ledger.writeState(st);
    return i + 1;
  }
  // Only a killed run can have left agent edits behind: the signal path already stashed them, and before the
  // agent phase (or under --allow-dirty) what is uncommitted is the operator's own work.
  const killed = st.status !== 'interrupted';
  const status = killed && deps.requireClean && phaseMayLeaveAgentEdits(st.phase) ? await git.status() : [];
  if (status.length > 0) {
    const sha = await git.stashPush(`gdnctl-leftover-iter-${pad(i)}-interrupted`);
    if (sha) {
      st.leftoverStashes.push(sha);
      await ledger.event('leftovers-stashed', { iteration: i, sha, paths: status.map((e) => e.path) });
      out.warn(`the interrupted iteration ${i} left ${status.length} uncommitted path(s); stashed as ${sha.slice(0, 12)} "gdnctl-leftover-iter-${pad(i)}-interrupted"`);
    }
  }
  if (st.headBefore) {
    const head = await git.head();
    if (head !== st.headBefore && (await git.isAncestor(st.headBefore, head))) {
      const r = await git.revertRange(st.headBefore, head, `gdnctl: revert interrupted iteration ${pad(i)}`);
      if (r.kind === 'conflict') throw new Error(`cannot revert the interrupted iteration ${i}'s commits (${r.paths.join(', ')}); revert ${st.headBefore}..${head} by hand`);
      await ledger.event('revert', { iteration: i, from: st.headBefore, to: head, reason: 'interrupted' });
      out.warn(`reverted the interrupted iteration ${i}'s unvalidated commits with ${r.sha.slice(0, 12)}; they stay in history`);
    }
  }
  if (st.operatorStash) {
    const ok = await new OperatorStash(git, out).restore(st.operatorStash);
    if (!ok) st.keptStashes.push(st.operatorStash);
    st.operatorStash = undefined;
  }
  const k = await ledger.archiveAttempt(i);
  st.attempt = k + 1;
  st.headBefore = undefined;
  await ledger.writeState(st);
  return i;
}
