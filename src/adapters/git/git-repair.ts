/**
 * What the loop does to a repository an agent left in a state git itself would refuse to go on from: a half-done
 * merge, rebase, am, cherry-pick, revert or bisect; an `index.lock` nobody holds; the operator's stashed work
 * committed by the agent; gdnctl's run directory tracked by the agent's commit. Each repair keeps what it
 * undoes (a commit under a ref of gdnctl's own) before it undoes it. docs/git-safety.md has the whole picture.
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitOperation } from '../../ports/git.js';
import type { GitExec } from './git-exec.js';

// commit-tree needs an identity, and these commits are gdnctl's own record, not the operator's work.
const IDENTITY = ['-c', 'user.name=gdnctl', '-c', 'user.email=gdnctl@localhost'];

const ABORT: Record<GitOperation, string[]> = {
  merge: ['merge', '--abort'],
  rebase: ['rebase', '--abort'],
  am: ['am', '--abort'],
  'cherry-pick': ['cherry-pick', '--abort'],
  revert: ['revert', '--abort'],
  bisect: ['bisect', 'reset'],
};

async function resolves(exec: GitExec, rev: string): Promise<string | undefined> {
  const r = await exec.run(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], [1, 128]);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/**
 * The worktree as it is, as a commit: a temporary index is filled from HEAD and then from the worktree, so an
 * unmerged index (which `git stash` refuses) does not matter and the real index is never touched. Ignored files
 * (gdnctl's run directory) stay out, as in a stash.
 */
async function commitWorktree(exec: GitExec, gitDir: string, parents: string[], message: string): Promise<string> {
  const index = join(gitDir, `gdnctl-save-index-${process.pid}`);
  const tmp = exec.withEnv({ GIT_INDEX_FILE: index });
  try {
    if (parents[0]) await tmp.run(['read-tree', parents[0]]);
    await tmp.run(['add', '--all']);
    const tree = await tmp.out(['write-tree']);
    return await exec.out([...IDENTITY, 'commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message]);
  } finally {
    await rm(index, { force: true });
  }
}

export async function saveAndAbortOperation(exec: GitExec, gitDir: string, op: GitOperation, ref: string, message: string): Promise<string> {
  const heads = await Promise.all(['HEAD', 'MERGE_HEAD', 'CHERRY_PICK_HEAD', 'REVERT_HEAD'].map((r) => resolves(exec, r)));
  const parents = [...new Set(heads.filter((h): h is string => h !== undefined))];
  const saved = await commitWorktree(exec, gitDir, parents, message);
  // The ref first: from here on nothing the agent left can be lost, whatever the abort does.
  await exec.run(['update-ref', '-m', 'gdnctl: saved before aborting', ref, saved]);
  await exec.run(ABORT[op]);
  return saved;
}

/**
 * An `index.lock` that neither changes nor goes away for `staleMs` belongs to no running git (a killed `git add`,
 * a `touch`), and every later git command that writes the index would fail on it. A live git finishes or
 * rewrites its lock well within that time.
 */
export async function removeStaleLock(gitDir: string, staleMs = 1000): Promise<boolean> {
  const lock = join(gitDir, 'index.lock');
  let seen = await stat(lock).catch(() => undefined);
  if (!seen) return false;
  let quietSince = Date.now();
  while (Date.now() - quietSince < staleMs) {
    await new Promise((r) => setTimeout(r, 50));
    const now = await stat(lock).catch(() => undefined);
    if (!now) return false;
    if (now.mtimeMs !== seen.mtimeMs || now.size !== seen.size || now.ino !== seen.ino) {
      seen = now;
      quietSince = Date.now();
    }
  }
  await rm(lock, { force: true });
  return true;
}

function nulList(out: string): string[] {
  return out.split('\0').filter((p) => p.length > 0);
}

/** path → object id in `rev` for these paths (absent paths are missing from the map). */
async function blobs(exec: GitExec, rev: string, paths: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (paths.length === 0) return out;
  for (let i = 0; i < paths.length; i += 500) {
    const specs = paths.slice(i, i + 500).map((p) => `:(literal)${p}`);
    for (const line of nulList((await exec.run(['ls-tree', '-r', '-z', rev, '--', ...specs])).stdout)) {
      const tab = line.indexOf('\t');
      out.set(line.slice(tab + 1), line.slice(0, tab).split(' ')[2] ?? '');
    }
  }
  return out;
}

/**
 * A stash W is a merge commit: W^1 the base, W's tree the tracked worktree, W^3 (with -u) the untracked files.
 * Three git processes when the range leaves the stashed paths alone (the common case), four more when not.
 */
export async function stashWorkCommitted(exec: GitExec, stash: string, from: string, to: string): Promise<string[]> {
  const tracked = await exec.run(['diff', '--name-only', '-z', '--no-renames', `${stash}^1`, stash, '--'], [128]);
  if (tracked.exitCode !== 0) return [];
  const untracked = await exec.run(['ls-tree', '-r', '--name-only', '-z', `${stash}^3`, '--'], [128]);
  const added = untracked.exitCode === 0 ? nulList(untracked.stdout) : [];
  const paths = [...new Set([...nulList(tracked.stdout), ...added])];
  if (paths.length === 0) return [];
  const touched: string[] = [];
  for (let i = 0; i < paths.length; i += 500) {
    const specs = paths.slice(i, i + 500).map((p) => `:(literal)${p}`);
    touched.push(...nulList((await exec.run(['diff', '--name-only', '-z', '--no-renames', from, to, '--', ...specs])).stdout));
  }
  if (touched.length === 0) return [];
  const isAdded = new Set(added);
  const [mine, extra, before, after] = await Promise.all([
    blobs(exec, stash, touched.filter((p) => !isAdded.has(p))),
    blobs(exec, `${stash}^3`, touched.filter((p) => isAdded.has(p))),
    blobs(exec, from, touched),
    blobs(exec, to, touched),
  ]);
  for (const [p, oid] of extra) mine.set(p, oid);
  return touched.filter((p) => mine.get(p) !== before.get(p) && mine.get(p) === after.get(p)).sort();
}

/**
 * `git rm -r --cached` and a commit, so the files stay on disk but leave the index: reverting a range that added
 * them would otherwise delete them from disk. Refuses when something else is staged (it would join the commit).
 */
export async function untrack(exec: GitExec, dir: string, message: string): Promise<string | undefined> {
  const spec = `:(literal)${dir.replace(/\/+$/, '')}`;
  const tracked = nulList((await exec.run(['ls-files', '-z', '--', spec])).stdout);
  if (tracked.length === 0) return undefined;
  const staged = await exec.run(['diff', '--cached', '--quiet'], [1]);
  if (staged.exitCode !== 0) throw new Error(`untrack ${dir}: the index has staged changes; refusing to mix them into gdnctl's commit`);
  await exec.run(['rm', '-r', '--cached', '--quiet', '--', spec]);
  await exec.run(['commit', '--quiet', '--no-verify', '-m', message]);
  return (await exec.out(['rev-parse', 'HEAD'])).trim();
}

/**
 * After a crash (resume): the loop itself starts merges (sync-main) and reverts, so a killed run may leave one
 * half done (MERGE_HEAD, REVERT_HEAD or a sequencer); abort it and say which.
 */
export async function abortLoopOperation(exec: GitExec, gitDir: string): Promise<'merge' | 'revert' | undefined> {
  if (await resolves(exec, 'MERGE_HEAD')) {
    await exec.run(['merge', '--abort']);
    return 'merge';
  }
  const sequencer = await stat(join(gitDir, 'sequencer')).then(() => true, () => false);
  if ((await resolves(exec, 'REVERT_HEAD')) || sequencer) {
    await exec.run(['revert', '--abort']);
    return 'revert';
  }
  return undefined;
}
