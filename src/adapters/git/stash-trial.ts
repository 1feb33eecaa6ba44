/**
 * "Would `git stash apply <sha>` succeed right now?" — answered without touching the worktree or index.
 *
 * A stash W is a merge commit: W^1 = the HEAD it was taken on (B), W^2 = the index, W^3 (with -u) = the
 * untracked files, and W's own tree = the tracked worktree. `stash apply` is a three-way merge of
 * base B, ours HEAD, theirs W's tree, then a checkout of W^3's files that must not exist yet.
 *
 * The merge is tried with `git merge-tree --write-tree` (git ≥ 2.38), which writes objects only. git 2.39
 * has no `--merge-base` (2.40+), so both sides are re-parented onto B as throw-away commits (commit-tree);
 * B is then exactly their merge base even when HEAD does not descend from B. The objects are unreferenced
 * and left for gc. This replaces the anchor's probe worktree, which costs seconds on a 50k-file repository.
 */
import { lstat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StashTrialResult, StatusEntry } from '../../ports/git.js';
import type { GitExec } from './git-exec.js';

// commit-tree needs an identity; the objects never reach a ref, so a fixed one avoids depending on config.
const IDENTITY = ['-c', 'user.name=gdnctl', '-c', 'user.email=gdnctl@localhost'];

/** [W, W^1, W^2, W^3?] in one process, or undefined when `sha` is no commit. */
async function stashParents(exec: GitExec, sha: string): Promise<string[] | undefined> {
  const r = await exec.run(['rev-list', '--parents', '-n', '1', `${sha}^{commit}`, '--'], [128]);
  return r.exitCode === 0 ? r.stdout.trim().split(' ') : undefined;
}

function nulList(out: string): string[] {
  return out.split('\0').filter((p) => p.length > 0);
}

async function existsOnDisk(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** The paths that some local status entry (file, or an untracked `dir/`) covers. */
function coveredByLocalChanges(paths: string[], status: StatusEntry[]): string[] {
  const local = status.flatMap((e) => (e.origPath ? [e.path, e.origPath] : [e.path]));
  return paths.filter((p) => local.some((l) => l === p || (l.endsWith('/') && p.startsWith(l))));
}

function refuse(reason: Exclude<StashTrialResult, { ok: true }>['reason'], paths: string[]): StashTrialResult {
  return { ok: false, reason, paths: [...new Set(paths)].sort() };
}

/** Throws on unexpected git errors; the caller fails closed. */
export async function stashTrialApply(exec: GitExec, root: string, sha: string, status: StatusEntry[]): Promise<StashTrialResult> {
  const [stash, base, index, untrackedCommit] = (await stashParents(exec, sha)) ?? [];
  if (!stash || !base || !index) return refuse('not-a-stash', []);

  // Tracked part: the real apply refuses when a path it changes has local modifications.
  const changed = nulList((await exec.run(['diff', '--name-only', '-z', '--no-renames', base, stash])).stdout);
  const busy = coveredByLocalChanges(changed, status);
  if (busy.length > 0) return refuse('local-changes', busy);

  const ours = await exec.out([...IDENTITY, 'commit-tree', 'HEAD^{tree}', '-p', base, '-m', 'gdnctl stash trial (ours)']);
  const theirs = await exec.out([...IDENTITY, 'commit-tree', `${stash}^{tree}`, '-p', base, '-m', 'gdnctl stash trial (theirs)']);
  // Output: "<tree>\0<conflicted path>\0…" (exit 1 = conflicts).
  const merged = await exec.run(['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', ours, theirs], [1]);
  const [mergedTree, ...conflicted] = nulList(merged.stdout);
  if (merged.exitCode !== 0) return refuse('conflict', conflicted);
  if (!mergedTree) return refuse('trial-error', []);

  // Untracked part: every file must land on a path that is free in the merged tree and on disk.
  if (!untrackedCommit) return { ok: true };
  const untracked = nulList((await exec.run(['ls-tree', '-r', '--name-only', '-z', untrackedCommit])).stdout);
  const taken = coveredByLocalChanges(untracked, status);
  for (let i = 0; i < untracked.length; i += 500) {
    const batch = untracked.slice(i, i + 500).map((p) => `:(literal)${p}`);
    taken.push(...nulList((await exec.run(['ls-tree', '-r', '--name-only', '-z', mergedTree, '--', ...batch])).stdout));
  }
  for (const p of untracked) {
    if (await existsOnDisk(join(root, p))) taken.push(p);
    // A file where the path needs a directory blocks the checkout too.
    for (let d = dirname(p); d !== '.' && d !== '/'; d = dirname(d)) {
      const st = await lstat(join(root, d)).catch(() => undefined);
      if (st && !st.isDirectory()) taken.push(p);
      if (st) break;
    }
  }
  return taken.length > 0 ? refuse('untracked-exists', taken) : { ok: true };
}
