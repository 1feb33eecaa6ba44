import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Run fn with a detached worktree of `sha` (the champion), removed in finally. Detached so no branch is
 * checked out twice (git refuses that); `worktree remove --force` then `prune` so a worktree whose folder a
 * crash already deleted does not linger in .git/worktrees.
 */
export async function withDetachedWorktree<T>(repoRoot: string, sha: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const parent = await mkdtemp(join(tmpdir(), 'gdnctl-champion-'));
  const dir = join(parent, 'wt');
  await execa('git', ['worktree', 'prune'], { cwd: repoRoot, reject: false });
  await execa('git', ['worktree', 'add', '--detach', dir, sha], { cwd: repoRoot });
  try {
    return await fn(dir);
  } finally {
    await execa('git', ['worktree', 'remove', '--force', dir], { cwd: repoRoot, reject: false });
    await rm(parent, { recursive: true, force: true });
    await execa('git', ['worktree', 'prune'], { cwd: repoRoot, reject: false });
  }
}
