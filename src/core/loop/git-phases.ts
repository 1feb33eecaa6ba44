import type { CommitInfo, Git } from '../../ports/git.js';
import type { LoopConsole } from './deps.js';
import type { FailureReason, IterationResult } from './outcome.js';
import type { LoopSettings } from './settings.js';

function fail(reason: FailureReason, detail: string): IterationResult {
  return { kind: 'failed', reason, detail, phase: 'sync-main' };
}

/**
 * sync-main: `git fetch <remote> <branch>`, then `git merge --no-edit <remote>/<branch>`; a conflict has already
 * been aborted by the adapter (`git merge --abort`), so the tree is as before and only the policy remains.
 * `onMerged` runs when the merge moved HEAD (the engine re-measures the champion there).
 */
export async function syncMain(
  git: Git,
  sync: LoopSettings['syncMain'],
  out: LoopConsole,
  onMerged: (head: string) => Promise<void>,
): Promise<IterationResult | undefined> {
  const { remote, branch, conflictPolicy } = sync;
  try {
    await git.fetch(remote, branch);
  } catch (e) {
    return fail('sync-failed', `git fetch ${remote} ${branch} failed: ${(e as Error).message.split('\n')[0]}`);
  }
  const m = await git.merge(`${remote}/${branch}`);
  switch (m.kind) {
    case 'up-to-date':
      return undefined;
    case 'merged':
      out.info(`merged ${remote}/${branch} (HEAD ${m.head.slice(0, 12)})`);
      await onMerged(m.head);
      return undefined;
    case 'conflict': {
      const detail = `merging ${remote}/${branch} conflicts in ${m.paths.join(', ') || 'some paths'} (merge aborted)`;
      if (conflictPolicy === 'skip') {
        out.warn(`${detail}; continuing unsynced (--sync-main-conflict-policy skip)`);
        return undefined;
      }
      return fail('sync-conflict', `${detail}; resolve it by hand or pass --sync-main-conflict-policy skip`);
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
