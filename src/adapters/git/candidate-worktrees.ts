/**
 * The parallel run's candidate worktrees (`<logDir>/worktrees/<run>/c<k>`, one per slot, reused round after
 * round, removed at the run's end) and the promotion of a winner onto the operator's branch. Plain git
 * processes: `worktree add`, `checkout -B`, `merge --ff-only`, `cherry-pick`, `merge --no-ff`, `worktree remove`.
 * Nothing is discarded: leftovers in a worktree are stashed by SHA, an earlier tip of a branch about to be reset
 * is kept under refs/gdnctl/.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CandidateTree, CandidateTrees, PromoteResult } from '../../ports/parallel.js';
import { withWorktreeLock } from './worktree-lock.js';

type Env = Record<string, string | undefined>;

async function git(cwd: string, args: string[], env: Env): Promise<{ ok: boolean; out: string; err: string }> {
  const r = await execa('git', args, { cwd, env, extendEnv: false, reject: false });
  return { ok: r.exitCode === 0, out: String(r.stdout).trim(), err: String(r.stderr).trim() };
}

async function must(cwd: string, args: string[], env: Env): Promise<string> {
  const r = await git(cwd, args, env);
  if (!r.ok) throw new Error(`git ${args.join(' ')} failed: ${r.err.split('\n')[0] ?? ''}`);
  return r.out;
}

export function candidateWorktrees(o: { repoRoot: string; root: string; env: Env }): CandidateTrees {
  const { repoRoot, env } = o;
  const dirOf = (slot: number): string => join(o.root, `c${slot}`);

  /** An earlier tip of `branch` that is not `sha` goes under refs/gdnctl/attempts/ before the reset. */
  async function keepTip(branch: string, sha: string): Promise<string | undefined> {
    const tip = await git(repoRoot, ['rev-parse', '--verify', '-q', `refs/heads/${branch}`], env);
    if (!tip.ok || tip.out === sha) return undefined;
    const ref = `refs/gdnctl/attempts/${branch}/${Date.now()}`;
    await must(repoRoot, ['update-ref', ref, tip.out], env);
    return ref;
  }

  /** Uncommitted work in a worktree, stashed (untracked files too); the stash commit's SHA, never a position. */
  async function stashLeftovers(dir: string, label: string): Promise<string | undefined> {
    const status = await must(dir, ['status', '--porcelain', '-uall'], env);
    if (status === '') return undefined;
    const before = await git(dir, ['rev-parse', '-q', '--verify', 'refs/stash'], env);
    await must(dir, ['stash', 'push', '-u', '-m', `gdnctl-candidate-leftover ${label}`], env);
    const after = await must(dir, ['rev-parse', 'refs/stash'], env);
    return after !== before.out ? after : undefined;
  }

  return {
    async remove(slot) {
      const dir = dirOf(slot);
      if (!existsSync(join(dir, '.git'))) return {};
      const branch = await git(dir, ['branch', '--show-current'], env);
      const stash = await stashLeftovers(dir, branch.out || `c${slot}`);
      // Clean now (ignored build outputs aside, which go with it); a worktree git still finds dirty stays.
      const r = await withWorktreeLock(() => git(repoRoot, ['worktree', 'remove', dir], env));
      if (!r.ok) throw new Error(`git worktree remove ${dir} failed: ${r.err.split('\n')[0] ?? ''}`);
      return { stash };
    },
    async open(slot, branch, sha): Promise<CandidateTree> {
      const dir = dirOf(slot);
      const keptRef = await keepTip(branch, sha);
      if (existsSync(join(dir, '.git'))) {
        const leftoverStash = await stashLeftovers(dir, branch);
        // A git operation a killed agent left half done would block the checkout.
        for (const op of ['merge', 'cherry-pick', 'revert', 'rebase']) await git(dir, [op, '--abort'], env);
        await must(dir, ['checkout', '-q', '-B', branch, sha], env);
        return { dir, leftoverStash, keptRef };
      }
      await mkdir(o.root, { recursive: true });
      await withWorktreeLock(async () => {
        await git(repoRoot, ['worktree', 'prune'], env);
        await must(repoRoot, ['worktree', 'add', '-q', '-B', branch, dir, sha], env);
      });
      return { dir, keptRef };
    },

    async promote(base, tip, message): Promise<PromoteResult> {
      const head = await must(repoRoot, ['rev-parse', 'HEAD'], env);
      // Already there: a run killed between the promotion and its record, resumed.
      if ((await git(repoRoot, ['merge-base', '--is-ancestor', tip, head], env)).ok) return { kind: 'fast-forward', head };
      if (head === base) {
        const ff = await git(repoRoot, ['merge', '--ff-only', '-q', tip], env);
        if (ff.ok) return { kind: 'fast-forward', head: await must(repoRoot, ['rev-parse', 'HEAD'], env) };
      }
      const pick = await git(repoRoot, ['cherry-pick', '--allow-empty', `${base}..${tip}`], env);
      if (pick.ok) return { kind: 'cherry-picked', head: await must(repoRoot, ['rev-parse', 'HEAD'], env) };
      await git(repoRoot, ['cherry-pick', '--abort'], env);
      const merge = await git(repoRoot, ['merge', '--no-ff', '-m', message, tip], env);
      if (merge.ok) return { kind: 'merged', head: await must(repoRoot, ['rev-parse', 'HEAD'], env) };
      const paths = (await git(repoRoot, ['diff', '--name-only', '--diff-filter=U'], env)).out.split('\n').filter(Boolean);
      await git(repoRoot, ['merge', '--abort'], env);
      return { kind: 'conflict', paths };
    },
  };
}
