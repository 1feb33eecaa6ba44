import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultPoint } from '../../fault.js';
import type { WorktreeProvider } from '../../ports/bench.js';
import { withWorktreeLock } from '../git/worktree-lock.js';

/**
 * Run fn with a detached worktree of `sha` (the champion), removed in finally. Detached so no branch is
 * checked out twice (git refuses that); `worktree remove --force` then `prune` so a worktree whose folder a
 * crash already deleted does not linger in .git/worktrees.
 */
/** Champion checkouts this process is using now: never stale, whoever else cleans up (parallel candidates). */
const inUse = new Set<string>();

export async function withDetachedWorktree<T>(repoRoot: string, sha: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const parent = await mkdtemp(join(tmpdir(), 'gdnctl-champion-'));
  const dir = join(parent, 'wt');
  inUse.add(dir);
  // Parallel candidates check champions out at the same time (worktree-lock.ts).
  await withWorktreeLock(async () => {
    await removeStaleWorktrees(repoRoot);
    await execa('git', ['worktree', 'add', '--detach', dir, sha], { cwd: repoRoot });
  });
  try {
    faultPoint('champion-worktree-added');
    return await fn(dir);
  } finally {
    await withWorktreeLock(async () => {
      await execa('git', ['worktree', 'remove', '--force', dir], { cwd: repoRoot, reject: false });
      await rm(parent, { recursive: true, force: true });
      await execa('git', ['worktree', 'prune'], { cwd: repoRoot, reject: false });
    });
    inUse.delete(dir);
  }
}

/** The measurer's champion checkouts of the repository at repoRoot. */
export function gitWorktreeProvider(repoRoot: string): WorktreeProvider {
  return { withCheckout: (sha, fn) => withDetachedWorktree(repoRoot, sha, fn) };
}

/**
 * A run killed while measuring leaves its champion worktree registered (and its temp folder present, so
 * `git worktree prune` keeps it). Remove every such gdnctl-champion-* worktree before adding a new one.
 */
async function removeStaleWorktrees(repoRoot: string): Promise<void> {
  await execa('git', ['worktree', 'prune'], { cwd: repoRoot, reject: false });
  const list = await execa('git', ['worktree', 'list', '--porcelain'], { cwd: repoRoot, reject: false });
  for (const line of String(list.stdout).split('\n')) {
    const path = line.startsWith('worktree ') ? line.slice('worktree '.length) : undefined;
    if (path && /\/gdnctl-champion-[^/]+\/wt$/.test(path) && !inUse.has(path)) {
      await execa('git', ['worktree', 'remove', '--force', path], { cwd: repoRoot, reject: false });
      await rm(join(path, '..'), { recursive: true, force: true });
    }
  }
}
