/**
 * The git half of the loop's preflight (issue 3, item 1): "the workdir is a git repository with a commit and a
 * branch", and nothing half done in it. Checked before anything is touched; every problem becomes one
 * UsageError line saying what is wrong and how to fix it (exit 2).
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UsageError } from '../../errors.js';
import { GitCommandError, GitExec } from './git-exec.js';
import { SimpleGitRepo, type SimpleGitRepoOptions } from './simple-git-repo.js';

/** `resumable`: the loop itself starts these (sync-main, reverts); a resumed run aborts what it left behind. */
const IN_PROGRESS: Array<{ path: string; what: string; fix: string; resumable?: boolean }> = [
  { path: 'MERGE_HEAD', what: 'a merge', fix: 'git merge --continue or git merge --abort', resumable: true },
  { path: 'REVERT_HEAD', what: 'a revert', fix: 'git revert --continue or git revert --abort', resumable: true },
  { path: 'CHERRY_PICK_HEAD', what: 'a cherry-pick', fix: 'git cherry-pick --continue or git cherry-pick --abort' },
  { path: 'rebase-merge', what: 'a rebase', fix: 'git rebase --continue or git rebase --abort' },
  { path: 'rebase-apply', what: 'a rebase or git am', fix: 'git rebase --abort or git am --abort' },
  { path: 'sequencer', what: 'a multi-commit cherry-pick or revert', fix: 'git cherry-pick --abort or git revert --abort', resumable: true },
];

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Open the repository the loop will work in, or throw a UsageError listing every problem. With `resuming`,
 * a half-done merge or revert is allowed: the resumed run aborts what its killed predecessor left
 * (Git.abortInterruptedOperation).
 */
export async function openLoopRepository(
  workdir: string,
  opts: SimpleGitRepoOptions & { resuming?: boolean } = {},
): Promise<SimpleGitRepo> {
  const dir = resolve(workdir);
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new UsageError(`--workdir ${dir} is not a directory; pass the working copy of a git repository`);

  const probe = new GitExec(dir, opts);
  const inside = await probe.run(['rev-parse', '--is-inside-work-tree'], 'any');
  if (inside.exitCode !== 0 || inside.stdout.trim() !== 'true') {
    throw new UsageError(`${dir} is not inside a git working tree; run \`git init\` there or pass --workdir pointing at a repository`);
  }
  let git: SimpleGitRepo;
  try {
    git = await SimpleGitRepo.open(dir, opts);
  } catch (e) {
    if (e instanceof GitCommandError) throw new UsageError(`${dir}: git cannot read this repository (${e.stderr.trim().split('\n')[0]})`);
    throw e;
  }

  const problems: string[] = [];
  if (!(await git.hasCommits())) {
    problems.push(`${git.root} has no commits yet; make one first (git commit --allow-empty -m "initial")`);
  } else {
    problems.push(...(await commitProblems(git.root, opts)));
  }
  const branch = await git.branch();
  if (branch === undefined) {
    problems.push(`HEAD is detached in ${git.root}; check out a branch for the loop to commit on (git switch -c <name>)`);
  }
  const op = await operationInProgress(git.root, opts);
  if (op && !(opts.resuming && op.resumable)) problems.push(op.problem);
  if (problems.length > 0) throw new UsageError(problems);
  return git;
}

/**
 * Can gdnctl make its own commits here (stamps, reverts, recorded failures), unattended? A commit needs an
 * identity, and under `commit.gpgsign=true` a signature: a revert whose commit fails halfway through a night
 * would leave the range it was undoing on the branch. Both are tried for real (`git var`, and `commit-tree -S`
 * writing an object no ref points at), since only git knows what its config, gpg and the agents make of them.
 */
export async function commitProblems(root: string, opts: SimpleGitRepoOptions = {}): Promise<string[]> {
  const exec = new GitExec(root, opts);
  const firstLine = (stderr: string): string => stderr.trim().split('\n').find((l) => l.trim() !== '')?.trim() ?? 'no output';
  for (const who of ['GIT_AUTHOR_IDENT', 'GIT_COMMITTER_IDENT']) {
    const r = await exec.run(['var', who], 'any');
    if (r.exitCode !== 0) {
      return [`git cannot make commits in ${root} (${firstLine(r.stderr)}); set an identity: git config user.name "<name>" && git config user.email "<email>"`];
    }
  }
  const sign = await exec.run(['config', '--type=bool', '--get', 'commit.gpgsign'], 'any');
  if (sign.stdout.trim() !== 'true') return [];
  const probe = await exec.run(['commit-tree', '-S', 'HEAD^{tree}', '-p', 'HEAD', '-m', 'gdnctl: signing probe (no ref points here)'], 'any');
  if (probe.exitCode === 0) return [];
  return [
    `commit.gpgsign is on in ${root} but git cannot sign a commit (${firstLine(probe.stderr)}); gdnctl commits unattended (stamps, reverts): ` +
      'make signing work without a prompt (a loaded gpg-agent or ssh-agent key, user.signingkey), or turn it off for this repository: git config commit.gpgsign false',
  ];
}

/**
 * The first half-done git operation (merge, revert, cherry-pick, rebase, am) in the repository at `root`, as a
 * problem line; `resumable` when a resumed loop run may abort it itself.
 */
export async function operationInProgress(
  root: string,
  opts: SimpleGitRepoOptions = {},
): Promise<{ problem: string; resumable: boolean } | undefined> {
  const probe = new GitExec(root, opts);
  for (const op of IN_PROGRESS) {
    // --git-path: MERGE_HEAD is per worktree, while a linked worktree's .git is a file.
    const p = resolve(root, await probe.out(['rev-parse', '--git-path', op.path]));
    if (await exists(p)) return { problem: `${op.what} is in progress in ${root}; finish or abort it first (${op.fix})`, resumable: op.resumable === true };
  }
  return undefined;
}

/**
 * The info/exclude line that hides `dir` (e.g. the log dir) in the repository at `root`: anchored at the root
 * (a leading '/') so a same-named folder elsewhere stays visible, and with gitignore's special characters
 * escaped. Undefined when `dir` is outside the repository (nothing to hide) or is the root itself.
 */
export function excludePatternFor(root: string, dir: string): string | undefined {
  const rel = relative(resolve(root), resolve(root, dir));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  const escaped = rel
    .split(sep)
    .join('/')
    .replace(/[\\*?[\]!#]/g, '\\$&')
    .replace(/ $/, '\\ ');
  return `/${escaped}/`;
}
