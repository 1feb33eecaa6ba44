import type { Git, GitDirState } from '../../ports/git.js';

/**
 * A candidate's Git, seen through its own worktree. Branches, tags and the stash list are shared by every
 * worktree of a repository, so the guard around one candidate's agent (src/core/loop/git-guard.ts) would take
 * the other candidates' commits on their branches for "an operator branch moved" and put them back. The
 * candidate sees only its own branch under the run's prefix `gdnctl/<run>/`; everything else is unchanged.
 */
export function candidateGit(git: Git, runPrefix: string, ownBranch: string): Git {
  const hidden = `refs/heads/${runPrefix}`;
  const own = `refs/heads/${ownBranch}`;
  const readGitDir = async (): Promise<GitDirState> => {
    const st = await git.readGitDir();
    const refs = Object.fromEntries(Object.entries(st.refs).filter(([r]) => !r.startsWith(hidden) || r === own));
    return { ...st, refs };
  };
  return new Proxy(git, {
    get(target, prop, receiver) {
      if (prop === 'readGitDir') return readGitDir;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
