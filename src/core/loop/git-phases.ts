import type { CommitInfo, Git } from '../../ports/git.js';
import type { LoopSettings } from './settings.js';

export type SyncResult =
  | { kind: 'up-to-date' }
  | { kind: 'merged'; head: string }
  /** A conflict under --sync-main-conflict-policy skip: the loop goes on unsynced. */
  | { kind: 'skipped'; detail: string }
  | { kind: 'failed'; reason: 'sync-failed' | 'sync-conflict'; detail: string };

/**
 * sync-main's git work: `git fetch <remote> <branch>`, then `git merge --no-edit <remote>/<branch>`; a conflict
 * has already been aborted by the adapter (`git merge --abort`), so the tree is as before and only the policy
 * remains.
 */
export async function syncMain(git: Git, sync: LoopSettings['syncMain']): Promise<SyncResult> {
  const { remote, branch, conflictPolicy } = sync;
  try {
    await git.fetch(remote, branch);
  } catch (e) {
    return { kind: 'failed', reason: 'sync-failed', detail: `git fetch ${remote} ${branch} failed: ${(e as Error).message.split('\n')[0]}` };
  }
  const m = await git.merge(`${remote}/${branch}`);
  switch (m.kind) {
    case 'up-to-date':
      return m;
    case 'merged':
      return { kind: 'merged', head: m.head };
    case 'conflict': {
      const detail = `merging ${remote}/${branch} conflicts in ${m.paths.join(', ') || 'some paths'} (merge aborted)`;
      if (conflictPolicy === 'skip') return { kind: 'skipped', detail };
      return { kind: 'failed', reason: 'sync-conflict', detail: `${detail}; resolve it by hand or pass --sync-main-conflict-policy skip` };
    }
    default: {
      const never: never = m;
      throw new Error(`unknown merge result ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Does old..new (as listed by commitsBetween) close onto `old`: every parent inside the range or `old`
 * itself, and no root commit? Then `old` is an ancestor of `new` without asking git (saves a spawn per
 * iteration); otherwise (merges from elsewhere, rewritten history) git's merge-base decides.
 */
export function closesOnto(commits: CommitInfo[], old: string): boolean {
  if (commits.length === 0) return false;
  const inside = new Set(commits.map((c) => c.sha));
  inside.add(old);
  return commits.every((c) => c.parents.length > 0 && c.parents.every((p) => inside.has(p)));
}
