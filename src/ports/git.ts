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

/** Git, by role. The adapter is SimpleGitRepo (src/adapters/git/simple-git-repo.ts). */
export interface Git {
  readonly root: string;
  /** This worktree's own git dir, absolute (`git rev-parse --absolute-git-dir`); the run lock lives there. */
  gitDir(): Promise<string>;
  head(): Promise<string>;
  /** Branch name, or undefined for a detached HEAD. */
  branch(): Promise<string | undefined>;
  hasCommits(): Promise<boolean>;
  /** `git status --porcelain` (untracked included). Called once per iteration and reused. */
  status(): Promise<StatusEntry[]>;
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
  /** Revert old..new as one commit (`git revert --no-commit` newest→oldest, then commit); abort on conflict. */
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
