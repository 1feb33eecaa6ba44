/**
 * The git half of the loop's preflight (issue 3, item 1): "the workdir is a git repository with a commit and a
 * branch", and nothing half done in it. Checked before anything is touched; every problem becomes one
 * UsageError line saying what is wrong and how to fix it (exit 2).
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../../errors.js';
import { GitCommandError, GitExec, IDENTITY_ARGS } from './git-exec.js';
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
  const op = await operationInProgress(git);
  if (op && !(opts.resuming && op.resumable)) problems.push(op.problem);
  if (problems.length > 0) throw new UsageError(problems);
  return git;
}

/**
 * Can gdnctl make its own commits here (stamps, reverts, recorded failures), unattended? A commit needs an
 * identity, and under `commit.gpgsign=true` a signature: a revert whose commit fails halfway through a night
 * would leave the range it was undoing on the branch. The signature is tried for real (`commit-tree -S` writing
 * an object no ref points at), since only git knows what its config and gpg make of it.
 *
 * One `git var -l` answers the usual case (start-up runs few git processes): it lists the effective config
 * (includes resolved) and so shows commit.gpgsign and an identity set as user.name / user.email. Only when the
 * identity comes from anywhere else (the environment, author.* / committer.*, the host's defaults) does the
 * strict check run: `git var GIT_AUTHOR_IDENT` and `GIT_COMMITTER_IDENT`, which fail where a commit would.
 */
export async function commitProblems(root: string, opts: SimpleGitRepoOptions = {}): Promise<string[]> {
  const exec = new GitExec(root, opts);
  const firstLine = (stderr: string): string => stderr.trim().split('\n').find((l) => l.trim() !== '')?.trim() ?? 'no output';
  const listed = await exec.run(IDENTITY_ARGS, 'any');
  const config = configListing(listed.exitCode === 0 ? listed.stdout : '');
  if (!identityFromConfig(config, opts.env ?? process.env)) {
    for (const who of ['GIT_AUTHOR_IDENT', 'GIT_COMMITTER_IDENT']) {
      const r = await exec.run(['var', who], 'any');
      if (r.exitCode !== 0) {
        return [`git cannot make commits in ${root} (${firstLine(r.stderr)}); set an identity: git config user.name "<name>" && git config user.email "<email>"`];
      }
    }
  }
  if (!configBool(config.get('commit.gpgsign'))) return [];
  const probe = await exec.run(['commit-tree', '-S', 'HEAD^{tree}', '-p', 'HEAD', '-m', 'gdnctl: signing probe (no ref points here)'], 'any');
  if (probe.exitCode === 0) return [];
  return [
    `commit.gpgsign is on in ${root} but git cannot sign a commit (${firstLine(probe.stderr)}); gdnctl commits unattended (stamps, reverts): ` +
      'make signing work without a prompt (a loaded gpg-agent or ssh-agent key, user.signingkey), or turn it off for this repository: git config commit.gpgsign false',
  ];
}

/**
 * The config part of `git var -l` (`key=value`, or a bare `key` for a value-less boolean), the last value of a
 * key winning as in git; the identity lines (GIT_*_IDENT…) are not config and are left out.
 */
export function configListing(out: string): Map<string, string | null> {
  const config = new Map<string, string | null>();
  for (const line of out.split('\n')) {
    if (line === '' || line.startsWith('GIT_')) continue;
    const eq = line.indexOf('=');
    config.set((eq < 0 ? line : line.slice(0, eq)).toLowerCase(), eq < 0 ? null : line.slice(eq + 1));
  }
  return config;
}

/** git's boolean: a bare key is true; true/yes/on or a non-zero number too; anything else (and unset) false. */
export function configBool(value: string | null | undefined): boolean {
  if (value === undefined) return false;
  if (value === null) return true;
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'on'].includes(v)) return true;
  return /^-?\d+$/.test(v) && Number(v) !== 0;
}

/** Characters git strips from the ends of an ident name; a name of only these fails a strict ident. */
const CRUD = /^[\x00-\x20.,:;<>"'\\]*$/;

/**
 * Does config alone give a strict identity, as git would use it: user.name with a real character and a
 * user.email, no author.* / committer.* config and no GIT_AUTHOR_* / GIT_COMMITTER_* / EMAIL in the environment
 * (which git would take instead)? Undecided cases say no, so the strict check runs.
 */
export function identityFromConfig(config: Map<string, string | null>, env: Record<string, string | undefined>): boolean {
  const name = config.get('user.name');
  const email = config.get('user.email');
  if (typeof name !== 'string' || CRUD.test(name) || typeof email !== 'string' || email.trim() === '') return false;
  if ([...config.keys()].some((k) => /^(author|committer)\.(name|email)$/.test(k))) return false;
  return !Object.keys(env).some((k) => /^(GIT_AUTHOR_(NAME|EMAIL)|GIT_COMMITTER_(NAME|EMAIL)|EMAIL)$/.test(k) && env[k] !== undefined);
}

/**
 * The first half-done git operation (merge, revert, cherry-pick, rebase, am) in the repository, as a problem
 * line; `resumable` when a resumed loop run may abort it itself. Read from the files git leaves in this
 * worktree's git dir (MERGE_HEAD, rebase-merge/…): no git process.
 */
export async function operationInProgress(
  repo: { root: string; gitDir(): Promise<string> },
): Promise<{ problem: string; resumable: boolean } | undefined> {
  const gitDir = await repo.gitDir();
  for (const op of IN_PROGRESS) {
    // The git dir, not <root>/.git: MERGE_HEAD is per worktree, and a linked worktree's .git is a file.
    if (await exists(join(gitDir, op.path))) return { problem: `${op.what} is in progress in ${repo.root}; finish or abort it first (${op.fix})`, resumable: op.resumable === true };
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
