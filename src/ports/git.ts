/** Git, by role. Adapter: SimpleGitRepo (src/adapters/git/simple-git-repo.ts); fake: test/fakes/fake-git.ts. */

export interface StatusEntry {
  /** Two-letter porcelain v1 code, e.g. " M", "??", "UU". */
  code: string;
  path: string;
  /** Source path of a rename or copy (porcelain R/C entries). */
  origPath?: string;
}

export interface CommitInfo {
  sha: string;
  subject: string;
  parents: string[];
}

export type MergeResult =
  | { kind: 'up-to-date' }
  | { kind: 'merged'; head: string }
  | { kind: 'conflict'; paths: string[] };

/** Why a stash would not apply cleanly, with the paths to name in the output. */
export type StashTrialResult =
  | { ok: true }
  | { ok: false; reason: 'not-a-stash' | 'local-changes' | 'conflict' | 'untracked-exists' | 'trial-error'; paths: string[] };

export type RevertResult = { kind: 'reverted'; sha: string } | { kind: 'conflict'; paths: string[] };

/** HEAD and the tree, from one `git status --porcelain=v2 --branch -z`. */
export interface TreeSnapshot {
  /** HEAD's commit; undefined on a branch with no commit (an agent deleted the branch under HEAD). */
  head: string | undefined;
  /** HEAD's branch; undefined for a detached HEAD. */
  branch: string | undefined;
  entries: StatusEntry[];
}

/** A git command left half done in the worktree (its state files are in the git dir). */
export type GitOperation = 'merge' | 'rebase' | 'am' | 'cherry-pick' | 'revert' | 'bisect';

/** What the git dir's files say, read without starting git (see readGitDir). */
export interface GitDirState {
  /** The ref HEAD points at (`refs/heads/main`); undefined for a detached HEAD. */
  headRef: string | undefined;
  /** Every ref under refs/heads/, refs/tags/ and refs/gdnctl/, by full name. */
  refs: Record<string, string>;
  /** The stash list, newest first, with the reflog's own subject ("On main: <message>"). */
  stashes: Array<{ sha: string; subject: string }>;
  /** The first half-done operation found (a rebase before the merge or cherry-pick it may contain). */
  operation: GitOperation | undefined;
  /** `index.lock` exists in the git dir. */
  indexLock: boolean;
}

/** A ref to set (sha) or delete (undefined). */
export interface RefUpdate {
  ref: string;
  sha: string | undefined;
}

/** Git, by role. The adapter is SimpleGitRepo (src/adapters/git/simple-git-repo.ts). */
export interface Git {
  readonly root: string;
  /** This worktree's own git dir, absolute (`git rev-parse --absolute-git-dir`); the run lock lives there. */
  gitDir(): Promise<string>;
  head(): Promise<string>;
  /** Branch name, or undefined for a detached HEAD. */
  branch(): Promise<string | undefined>;
  hasCommits(): Promise<boolean>;
  /**
   * `git status --porcelain` (untracked included). Called once per iteration and reused. Like snapshot and
   * stashPush, it first puts back any ensureExcluded pattern that was removed from info/exclude since.
   */
  status(): Promise<StatusEntry[]>;
  /** HEAD's commit, its branch and the status entries from ONE git process. */
  snapshot(): Promise<TreeSnapshot>;
  /**
   * Refs, HEAD's target, the stash list, a half-done operation and a held index lock, read from the git dir's
   * files: no git process, so it is cheap enough to run around every agent pass.
   */
  readGitDir(): Promise<GitDirState>;
  /** Apply the updates in order (`git update-ref`; a sha of undefined deletes the ref). */
  setRefs(updates: RefUpdate[]): Promise<void>;
  /**
   * Check out `branch` at `sha`, creating or moving it (`git checkout -B`), with index and worktree; uncommitted
   * changes are carried over, and when they conflict it throws and changes nothing.
   */
  checkoutBranchAt(branch: string, sha: string): Promise<void>;
  /** Put a stash commit back on top of the stash list (`git stash store`), under the reflog subject given. */
  stashStore(sha: string, subject: string): Promise<void>;
  /**
   * Save the worktree as it is (conflict markers, untracked files) as a commit whose parents are HEAD and the
   * operation's other head, point `ref` at it, then abort the operation (`git <op> --abort`). Returns the commit.
   */
  abortOperation(op: GitOperation, ref: string, message: string): Promise<string>;
  /**
   * Remove an `index.lock` that stays in place for a while (no git process finishes with it); false when it
   * went away by itself or was never there.
   */
  removeStaleIndexLock(): Promise<boolean>;
  /**
   * The paths where `to` holds the stash's own version of a file (tracked change or untracked file) and `from`
   * does not: the stashed work was committed in from..to.
   */
  stashWorkIn(stashSha: string, from: string, to: string): Promise<string[]>;
  /** Stop tracking the files under `dir` (kept on disk) in a commit of its own; undefined when none was tracked. */
  untrackDir(dir: string, message: string): Promise<string | undefined>;
  /**
   * `git stash push -u -m <message>`; returns the stash **commit SHA** (never a positional stash@{n}),
   * or undefined when there was nothing to stash.
   */
  stashPush(message: string): Promise<string | undefined>;
  /** Would applying this stash onto HEAD succeed? Uses `git merge-tree --write-tree` (no checkout). */
  stashCanApply(sha: string): Promise<boolean>;
  /** stashCanApply with the reason and the paths, for the message that names a kept stash. */
  stashTrial(sha: string): Promise<StashTrialResult>;
  /** Apply the stash by SHA, then drop the reflog entry that holds that SHA. */
  stashApplyAndDrop(sha: string): Promise<{ applied: boolean; dropped: boolean }>;
  /** Stash entries still present, by SHA, with messages. */
  stashList(): Promise<Array<{ sha: string; message: string }>>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** Commits in old..new, oldest first. */
  commitsBetween(oldSha: string, newSha: string): Promise<CommitInfo[]>;
  /** Paths changed in old..new. */
  changedPaths(oldSha: string, newSha: string): Promise<string[]>;
  /**
   * Revert old..new as one commit (`git revert --no-commit` newest→oldest, then commit); abort on conflict.
   * When the commit itself fails (signing, a hook), the revert is aborted and the error thrown.
   */
  revertRange(oldSha: string, newSha: string, message: string): Promise<RevertResult>;
  /** Stage exactly these paths and commit them; returns the new SHA. */
  commitPaths(paths: string[], message: string): Promise<string>;
  fetch(remote: string, branch: string): Promise<void>;
  /** `git merge --no-edit <ref>`; on conflict runs `git merge --abort` and reports the paths. */
  merge(ref: string): Promise<MergeResult>;
  commitExists(sha: string): Promise<boolean>;
  /** Add a pattern to .git/info/exclude once (idempotent). */
  ensureExcluded(pattern: string): Promise<void>;
  /**
   * After a crash (resume): abort a merge or revert the loop left half done (MERGE_HEAD, REVERT_HEAD or a
   * sequencer), returning what was aborted.
   */
  abortInterruptedOperation(): Promise<'merge' | 'revert' | undefined>;
}
