import { faultPoint } from '../../fault.js';
import type { StatusEntry } from '../../ports/git.js';
import { iterNumber } from '../text/iteration-name.js';
import { enter, fail, NEXT, type IterationContext, type PhaseOutcome } from './context.js';
import { judgeDirtyTree } from './dirty-tree.js';

/**
 * guard-tree: the iteration starts from a tree the loop understands. What counts as dirty and what to do
 * about it is dirty-tree.ts's verdict (shared with preflight and resume); under --dirty-policy stash the
 * operator's work is stashed by SHA and comes back in the record phase.
 */
/** A status of the tree now; its HEAD is the prompt phase's, unless sync-main moves it. */
async function fresh(c: IterationContext): Promise<StatusEntry[]> {
  const snap = await c.d.git.snapshot();
  c.cache.head = snap.head;
  return snap.entries;
}

export async function guardTree(c: IterationContext): Promise<PhaseOutcome> {
  // The iteration's start is in state.json: a resume after a kill redoes this iteration, never the one before.
  // Not fsynced: after an OS crash the last durable state (the previous iteration recorded, or the run's start)
  // leads a resume to this same iteration.
  await enter(c, { phase: 'guard-tree' }, { persist: true, durable: false });
  const status = c.cache.cleanStatus ?? (await fresh(c));
  c.cache.cleanStatus = undefined;
  const dirty = judgeDirtyTree(status, { requireClean: c.s.requireClean, dirtyPolicy: c.s.dirtyPolicy, ledgerRel: c.s.ledgerRel });
  switch (dirty.kind) {
    case 'clean':
    case 'allowed':
      return NEXT;
    case 'refuse':
      return fail(c, 'dirty-tree', dirty.message);
    case 'stash': {
      const sha = await c.d.git.stashPush(`gdnctl-operator-iter-${iterNumber(c.it.i)}`);
      if (!sha) return NEXT;
      // Recorded before anything else happens: a crash from here on must still find the operator's work.
      c.state.operatorStash = sha;
      await c.saveState();
      await c.emit({ type: 'operator-stashed', iteration: c.it.i, sha });
      faultPoint('after-stash');
      return NEXT;
    }
    default: {
      const never: never = dirty;
      throw new Error(`unknown dirty-tree verdict ${JSON.stringify(never)}`);
    }
  }
}
