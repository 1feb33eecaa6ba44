/**
 * A run whose rounds are all saved (done, target reached, stopped) removes its candidates' worktrees; their
 * branches stay (the explored candidates are there). Uncommitted work found in one is stashed by SHA first, as a
 * resume does, and named; a worktree git will not remove stays, with a warning. An interrupted run keeps them:
 * its resume continues in them. Kept across rounds, not removed after each: a slot's worktree is reused by the
 * next round, ignored build outputs (a .venv, caches) and all.
 */
import type { LoopDeps } from '../loop/engine.js';
import type { ParallelPorts } from '../../ports/parallel.js';
import type { ParallelRunState, RunWriter } from './run-writer.js';

export async function removeCandidateTrees(x: { d: LoopDeps; state: ParallelRunState; w: RunWriter; ports: ParallelPorts; k: number }): Promise<void> {
  const remove = x.ports.trees.remove?.bind(x.ports.trees);
  if (!remove || x.d.signal.aborted || (x.state.status !== 'done' && x.state.status !== 'stopped')) return;
  for (let slot = 1; slot <= x.k; slot++) {
    try {
      const r = await remove(slot);
      if (!r.stash) continue;
      x.state.leftoverStashes.push(r.stash);
      x.d.console.warn(`candidate ${slot}'s worktree held uncommitted work; it is kept as stash ${r.stash.slice(0, 12)} (git stash list)`);
      await x.w.event('leftovers-stashed', { iteration: x.state.iteration, slot, sha: r.stash, message: `leftovers in candidate ${slot}'s worktree at the run's end` });
    } catch (e) {
      x.d.console.warn(`candidate ${slot}'s worktree stays: ${(e as Error).message}`);
    }
  }
  await x.w.saveState();
}
