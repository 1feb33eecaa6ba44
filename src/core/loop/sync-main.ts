import { check, enter, fail, NEXT, type IterationContext, type PhaseOutcome } from './context.js';
import { syncMain as fetchAndMerge } from './git-phases.js';
import type { LoopSettings } from './settings.js';

/** Does sync-main run in iteration i (`once`: the run's first iteration only)? */
export function syncsIn(sync: LoopSettings['syncMain'], i: number): boolean {
  return sync.policy === 'each-iteration' || (sync.policy === 'once' && i === 1);
}

/** sync-main: merge the upstream branch in (git-phases.ts); a merge that moved HEAD re-bases the champion. */
export async function syncMain(c: IterationContext): Promise<PhaseOutcome> {
  const sync = c.s.syncMain;
  await enter(c, { phase: 'sync-main', remote: sync.remote, branch: sync.branch });
  // A merge moves HEAD: the prompt phase asks git again.
  c.cache.head = undefined;
  const r = await fetchAndMerge(c.d.git, sync);
  switch (r.kind) {
    case 'up-to-date':
      return NEXT;
    case 'merged':
      await c.emit({ type: 'sync-merged', iteration: c.it.i, remote: sync.remote, branch: sync.branch, head: r.head });
      await championAfterMerge(c, r.head);
      return NEXT;
    case 'skipped':
      await c.emit({ type: 'sync-conflict-skipped', iteration: c.it.i, detail: r.detail });
      return NEXT;
    case 'failed':
      return fail(c, r.reason, r.detail);
    default: {
      const never: never = r;
      throw new Error(`unknown sync result ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The merge commit holds the champion plus upstream, so it is what the next candidate (built on it) must be
 * compared with. Re-measured first; only then does it become the champion (a failing re-measure throws: an
 * iteration-error, the champion unchanged). Persisted: a resume must not compare against the old one.
 */
async function championAfterMerge(c: IterationContext, head: string): Promise<void> {
  await c.d.measurer?.remeasureChampion(head, c.d.signal);
  check(c);
  c.state.champion = head;
  await c.saveState();
  await c.emit({ type: 'champion-after-sync', iteration: c.it.i, champion: head, remeasured: c.d.measurer !== undefined });
}
