/**
 * The `Git` port on simple-git 4 (every call goes through GitExec, which keeps exit codes).
 *
 * Stashes are handled by commit SHA only: positional refs like stash@{0} shift when the agent stashes too
 * (anchor weakness §10.5). Nothing here resets operator work away or rewrites history: reverts are new
 * commits, a failed merge or revert is aborted, and `reset --merge` is used only to undo a failed stash
 * apply on a tree that was clean before it.
 */
import { resolve } from 'node:path';
import { faultPoint } from '../../fault.js';
import type { CommitInfo, Git, GitDirState, GitOperation, MergeResult, RefUpdate, RevertResult, StashTrialResult, StatusEntry, TreeSnapshot } from '../../ports/git.js';
import { ExcludeFile } from './exclude-file.js';
import { headFromFiles, readGitDirState, type GitDirs } from './git-dir-state.js';
import { GitCommandError, GitExec, OPEN_ARGS, type GitExecOptions } from './git-exec.js';
import { abortLoopOperation, removeStaleLock, saveAndAbortOperation, stashWorkCommitted, untrack } from './git-repair.js';
import { parsePorcelainV2Z, unmergedPaths } from './porcelain-status.js';
import { stashTrialApply } from './stash-trial.js';

const SHA_RE = /^[0-9a-f]{7,64}$/i;

const SUBJECTS_KEPT = 64;

const DIRS_ARGS = OPEN_ARGS.slice(2);

/** The answer to DIRS_ARGS, asked in `cwd`. */
function gitDirs(cwd: string, [gitDir = '', common = '', exclude = '']: string[]): GitDirs & { exclude: ExcludeFile } {
  return { gitDir, commonDir: resolve(cwd, common), exclude: new ExcludeFile(resolve(cwd, exclude)) };
}

export type SimpleGitRepoOptions = GitExecOptions;

export class SimpleGitRepo implements Git {
  private readonly exec: GitExec;
  private dirsOnce: Promise<GitDirs & { exclude: ExcludeFile }> | undefined;
  /** Subjects commitsBetween printed, for commitSubject(); the newest few only (a long run lists thousands). */
  private readonly subjects = new Map<string, string>();

  constructor(
    readonly root: string,
    opts: SimpleGitRepoOptions = {},
  ) {
    this.exec = new GitExec(root, opts);
  }

  /**
   * Open the repository containing `dir` (root = its top level). Throws GitCommandError outside a repository.
   * One rev-parse also answers the git dirs (gitDir(), info/exclude), asked for right after at start-up.
   */
  static async open(dir: string, opts: SimpleGitRepoOptions = {}): Promise<SimpleGitRepo> {
    const out = await new GitExec(dir, opts).out(OPEN_ARGS);
    const [top = '', ...dirs] = out.split('\n');
    const repo = new SimpleGitRepo(top, opts);
    // Relative answers are relative to where git ran.
    repo.dirsOnce = Promise.resolve(gitDirs(dir, dirs));
    return repo;
  }

  /** This worktree's own git dir, absolute (the run lock lives there: see run-lock.ts). */
  async gitDir(): Promise<string> {
    return (await this.dirs()).gitDir;
  }

  /** Asked once: the git dir, the common dir and info/exclude (in a linked worktree, the common one). */
  private dirs(): Promise<GitDirs & { exclude: ExcludeFile }> {
    this.dirsOnce ??= this.exec.out(['rev-parse', ...DIRS_ARGS]).then((out) => gitDirs(this.root, out.split('\n')));
    // A failed answer is not kept: the next call asks again.
    this.dirsOnce.catch(() => (this.dirsOnce = undefined));
    return this.dirsOnce;
  }

  async head(): Promise<string> {
    return this.exec.out(['rev-parse', '--verify', 'HEAD^{commit}']);
  }

  async branch(): Promise<string | undefined> {
    const r = await this.exec.run(['symbolic-ref', '--quiet', '--short', 'HEAD'], [1]);
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  async hasCommits(): Promise<boolean> {
    return (await this.exec.run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], [1, 128])).exitCode === 0;
  }

  async status(): Promise<StatusEntry[]> {
    return (await this.snapshot()).entries;
  }

  async snapshot(): Promise<TreeSnapshot> {
    await (await this.dirs()).exclude.keep();
    // --no-ahead-behind: counting commits against a far-off upstream can cost more than the whole status.
    return parsePorcelainV2Z((await this.exec.run(['status', '--porcelain=v2', '--branch', '--no-ahead-behind', '-z'])).stdout);
  }

  async readGitDir(): Promise<GitDirState> {
    return readGitDirState(await this.dirs());
  }

  async setRefs(updates: RefUpdate[]): Promise<void> {
    // One process, one transaction. Ref names hold no whitespace (git's rules), SHAs none either.
    const lines = updates.map((u) => (u.sha === undefined ? `delete ${u.ref}` : `update ${u.ref} ${u.sha}`));
    if (lines.length > 0) await this.exec.withInput(['update-ref', '-m', 'gdnctl', '--stdin'], `${lines.join('\n')}\n`);
  }

  async checkoutBranchAt(branch: string, sha: string): Promise<void> {
    await this.exec.run(['checkout', '--quiet', '-B', branch, sha, '--']);
  }

  async stashStore(sha: string, subject: string): Promise<void> {
    await this.exec.run(['stash', 'store', '--quiet', '-m', subject, sha]);
  }

  async abortOperation(op: GitOperation, ref: string, message: string): Promise<string> {
    await (await this.dirs()).exclude.keep();
    return saveAndAbortOperation(this.exec, await this.gitDir(), op, ref, message);
  }

  async removeStaleIndexLock(): Promise<boolean> {
    return removeStaleLock(await this.gitDir());
  }

  async stashWorkIn(stashSha: string, from: string, to: string): Promise<string[]> {
    return stashWorkCommitted(this.exec, stashSha, from, to);
  }

  async untrackDir(dir: string, message: string): Promise<string | undefined> {
    return untrack(this.exec, dir, message);
  }

  private async stashTop(): Promise<string | undefined> {
    const r = await this.exec.run(['rev-parse', '--verify', '--quiet', 'refs/stash'], [1, 128]);
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  async stashPush(message: string): Promise<string | undefined> {
    // `stash -u` takes every untracked file that is not ignored: the run directory must still be excluded.
    await (await this.dirs()).exclude.keep();
    const before = await this.stashTop();
    try {
      await this.exec.run(['stash', 'push', '--include-untracked', '-m', message]);
    } catch (e) {
      // stash push stores the stash before cleaning the tree; if the cleaning failed, name what was stored.
      const stored = await this.stashTop().catch(() => undefined);
      if (stored !== undefined && stored !== before) {
        throw new Error(`git stash push stored stash ${stored} ("${message}") but then failed: ${(e as Error).message}`);
      }
      throw e;
    }
    faultPoint('git.stash-pushed');
    const after = await this.stashTop();
    // "No local changes to save" exits 0 and creates nothing; compare refs instead of parsing that English text.
    return after !== undefined && after !== before ? after : undefined;
  }

  async stashCanApply(sha: string): Promise<boolean> {
    return (await this.stashTrial(sha)).ok;
  }

  async stashTrial(sha: string): Promise<StashTrialResult> {
    if (!SHA_RE.test(sha)) return { ok: false, reason: 'not-a-stash', paths: [] };
    try {
      return await stashTrialApply(this.exec, this.root, sha, await this.status());
    } catch {
      // Fail closed: an unexpected error keeps the stash where it is rather than risking a half-applied one.
      return { ok: false, reason: 'trial-error', paths: [] };
    }
  }

  async stashApplyAndDrop(sha: string): Promise<{ applied: boolean; dropped: boolean }> {
    if (!SHA_RE.test(sha)) return { applied: false, dropped: false };
    const wasClean = (await this.status()).length === 0;
    const applied = await this.exec.run(['stash', 'apply', '--quiet', sha], 'any');
    if (applied.exitCode !== 0) {
      if (wasClean) await this.undoFailedApply();
      return { applied: false, dropped: false };
    }
    faultPoint('git.stash-applied');
    return { applied: true, dropped: await this.dropStashBySha(sha) };
  }

  /**
   * Only called when the tree was clean before the apply, so every tracked change now in it came from the
   * stash, which is kept. git 2.39 can fail in two ways: a conflicting merge (unmerged paths: `reset --merge`)
   * or, after merging the tracked files cleanly, an untracked file that already exists ("already exists, no
   * checkout") — that leaves the tracked half applied with no unmerged path, which `reset --merge` keeps, so
   * tracked files are then reset to HEAD. Untracked and ignored files are never touched.
   */
  private async undoFailedApply(): Promise<void> {
    if (unmergedPaths(await this.status()).length > 0) await this.exec.run(['reset', '--merge']);
    if ((await this.status()).some((e) => e.code !== '??')) await this.exec.run(['reset', '--quiet', '--hard', 'HEAD']);
  }

  /** Drop the reflog entry holding `sha`, positions computed now: the agent may have stashed meanwhile. */
  private async dropStashBySha(sha: string): Promise<boolean> {
    const full = await this.resolveCommit(sha);
    if (!full) return false;
    const shas = await this.stashShas();
    const index = shas.indexOf(full);
    if (index < 0) return false;
    return (await this.exec.run(['stash', 'drop', '--quiet', `stash@{${index}}`], 'any')).exitCode === 0;
  }

  private async stashShas(): Promise<string[]> {
    const out = (await this.exec.run(['stash', 'list', '--format=%H'])).stdout;
    return out.split('\n').filter((l) => l.length > 0);
  }

  private async resolveCommit(rev: string): Promise<string | undefined> {
    const r = await this.exec.run(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], [1, 128]);
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  async stashList(): Promise<Array<{ sha: string; message: string }>> {
    const out = (await this.exec.run(['stash', 'list', '--format=%H%x00%gs'])).stdout;
    return out
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => {
        const [sha = '', subject = ''] = l.split('\0');
        // `stash push -m X` records "On <branch>: X"; ':' cannot occur in a branch name.
        return { sha, message: subject.replace(/^On [^:]*: /, '') };
      });
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return (await this.exec.run(['merge-base', '--is-ancestor', ancestor, descendant], [1])).exitCode === 0;
  }

  async commitsBetween(oldSha: string, newSha: string): Promise<CommitInfo[]> {
    const out = (await this.exec.run(['log', '--reverse', '--format=%H%x00%P%x00%s', `${oldSha}..${newSha}`])).stdout;
    const commits = out
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => {
        const [sha = '', parents = '', subject = ''] = l.split('\0');
        return { sha, subject, parents: parents.split(' ').filter((p) => p.length > 0) };
      });
    for (const c of commits.slice(-SUBJECTS_KEPT)) this.subjects.set(c.sha, c.subject);
    for (const sha of this.subjects.keys()) {
      if (this.subjects.size <= SUBJECTS_KEPT) break;
      this.subjects.delete(sha);
    }
    return commits;
  }

  /**
   * A commit's subject (`git log -1 --format=%s`), or undefined when git cannot name it. The iteration memory
   * asks for the agent's last commit, which verify-commit's range listing has just printed: no git then.
   */
  /** A subject the range log already printed, without asking git (undefined when not seen). */
  knownSubject(sha: string): string | undefined {
    return this.subjects.get(sha) || undefined;
  }

  async commitSubject(sha: string): Promise<string | undefined> {
    const known = this.subjects.get(sha);
    if (known !== undefined) return known || undefined;
    const r = await this.exec.run(['log', '-1', '--format=%s', sha], 'any');
    return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
  }

  async changedPaths(oldSha: string, newSha: string): Promise<string[]> {
    // --no-renames: a rename reports both its old and new path, so a protected source path is still seen.
    const out = (await this.exec.run(['diff', '--name-only', '-z', '--no-renames', oldSha, newSha])).stdout;
    return out.split('\0').filter((p) => p.length > 0);
  }

  async revertRange(oldSha: string, newSha: string, message: string): Promise<RevertResult> {
    if ((await this.resolveCommit(oldSha)) === (await this.resolveCommit(newSha))) {
      throw new Error(`revertRange: empty range ${oldSha}..${newSha}`);
    }
    // `revert -n` does not require a clean index and would fold staged operator work into the revert commit.
    const staged = await this.exec.run(['diff', '--cached', '--quiet'], [1]);
    if (staged.exitCode !== 0) throw new Error('revertRange: the index has staged changes; refusing to mix them into a revert commit');
    // Newest→oldest along the first-parent line; `-m 1` reverts an agent's merge commit against its
    // mainline and is accepted for ordinary commits too (git ≥ 2.21).
    const r = await this.exec.run(['revert', '--no-commit', '-m', '1', '--first-parent', `${oldSha}..${newSha}`], 'any');
    if (r.exitCode !== 0) {
      const paths = unmergedPaths(await this.status());
      await this.exec.run(['revert', '--abort'], 'any');
      if (paths.length === 0) throw new GitCommandError(['revert', `${oldSha}..${newSha}`], r.exitCode, r.stderr);
      return { kind: 'conflict', paths };
    }
    faultPoint('git.revert-staged');
    // --allow-empty: a range whose net effect is nil still gets its revert commit, so the record is complete.
    const committed = await this.exec.run(['commit', '--quiet', '--no-verify', '--allow-empty', '-m', message], 'any');
    if (committed.exitCode !== 0) {
      // A commit git refuses (signing that fails, a hook) must not leave the staged revert behind for the next
      // stash to sweep up as "leftovers": the branch stays as it was and the caller is told why.
      await this.exec.run(['revert', '--abort'], 'any');
      throw new GitCommandError(['commit', '(revert of', `${oldSha}..${newSha})`], committed.exitCode, committed.stderr);
    }
    return { kind: 'reverted', sha: await this.head() };
  }

  async commitPaths(paths: string[], message: string): Promise<string> {
    if (paths.length === 0) throw new Error('commitPaths: no paths given');
    // :(literal) so a path containing * or ? is never read as a glob.
    const specs = paths.map((p) => `:(literal)${p}`);
    // A pathspec commit is `--only`: whatever else is staged stays staged and out of this commit. It takes the
    // paths' changes and deletions as `add --all` would, but not an untracked path: only then is `add` needed
    // (the stamp's log is tracked, so it costs one git process).
    const commit = ['commit', '--quiet', '--no-verify', '-m', message, '--', ...specs];
    const direct = await this.exec.run(commit, [1]);
    if (direct.exitCode !== 0) {
      if (!/did not match any file\(s\) known to git/.test(direct.stderr)) throw new GitCommandError(commit, direct.exitCode, direct.stderr);
      await this.exec.run(['add', '--all', '--', ...specs]);
      await this.exec.run(commit);
    }
    const sha = (await headFromFiles(await this.dirs())) ?? (await this.head());
    // Its subject is the first line of the message we gave: known without asking git (the report's hover).
    this.subjects.set(sha, message.split('\n')[0]!);
    return sha;
  }

  async fetch(remote: string, branch: string): Promise<void> {
    await this.exec.run(['fetch', '--quiet', remote, branch], [0], { network: true });
  }

  async merge(ref: string): Promise<MergeResult> {
    const before = await this.head();
    const r = await this.exec.run(['merge', '--no-edit', ref], 'any');
    if (r.exitCode === 0) {
      const after = await this.head();
      return after === before ? { kind: 'up-to-date' } : { kind: 'merged', head: after };
    }
    const paths = unmergedPaths(await this.status());
    if (paths.length === 0) throw new GitCommandError(['merge', '--no-edit', ref], r.exitCode, r.stderr);
    await this.exec.run(['merge', '--abort']);
    return { kind: 'conflict', paths };
  }

  async commitExists(sha: string): Promise<boolean> {
    if (!SHA_RE.test(sha)) return false;
    return (await this.exec.run(['cat-file', '-e', `${sha}^{commit}`], [1, 128])).exitCode === 0;
  }

  async abortInterruptedOperation(): Promise<'merge' | 'revert' | undefined> {
    return abortLoopOperation(this.exec, await this.gitDir());
  }


  async ensureExcluded(pattern: string): Promise<void> {
    await (await this.dirs()).exclude.add(pattern);
  }
}
