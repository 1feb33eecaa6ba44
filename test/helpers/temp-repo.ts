/**
 * Throw-away git repositories for tests, built from a file tree:
 *
 *   const repo = await TempRepo.create({ files: { 'a.txt': 'x', 'dir/b.py': 'print(1)\n' }, remote: true });
 *   t.after(() => repo.dispose());
 *
 * Every git call runs with a cleaned environment (no GIT_* from the caller, no system or global config,
 * HOME pointing at a private temp dir), so a developer's hooks, aliases, signing or `init.defaultBranch` can't
 * change what a test sees. `repo.env` is that environment; pass it to adapters under test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type FileTree = Record<string, string>;

export interface TempRepoOptions {
  /** Files of the initial commit (default: a README). */
  files?: FileTree;
  /** Also create a bare remote `origin` (main pushed) and an `upstream` clone that can push to it. */
  remote?: boolean;
  /** Commit message of the initial commit. */
  message?: string;
}

/** A git environment that ignores everything about the machine's user. */
export function cleanGitEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('GIT_')) continue;
    env[k] = v;
  }
  env.HOME = home;
  env.XDG_CONFIG_HOME = join(home, '.config');
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  return env;
}

export function runGit(cwd: string, env: Record<string, string>, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function writeTree(root: string, files: FileTree): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

function configureIdentity(cwd: string, env: Record<string, string>): void {
  runGit(cwd, env, ['config', 'user.name', 'Test User']);
  runGit(cwd, env, ['config', 'user.email', 'test@example.invalid']);
  runGit(cwd, env, ['config', 'commit.gpgsign', 'false']);
}

/** A working copy (the repository under test, or the upstream clone). */
export class WorkingCopy {
  constructor(
    readonly dir: string,
    readonly env: Record<string, string>,
  ) {}

  git(...args: string[]): string {
    return runGit(this.dir, this.env, args);
  }

  /** Like git(), but returns the exit code and output instead of throwing. */
  tryGit(...args: string[]): { status: number; stdout: string; stderr: string } {
    try {
      return { status: 0, stdout: runGit(this.dir, this.env, args), stderr: '' };
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      return { status: err.status ?? -1, stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? '') };
    }
  }

  write(files: FileTree): void {
    writeTree(this.dir, files);
  }

  read(rel: string): string {
    return readFileSync(join(this.dir, rel), 'utf8');
  }

  exists(rel: string): boolean {
    return existsSync(join(this.dir, rel));
  }

  remove(rel: string): void {
    rmSync(join(this.dir, rel), { recursive: true, force: true });
  }

  /** Write the files (if any), stage everything, commit; returns the new HEAD SHA. */
  commit(message: string, files?: FileTree): string {
    if (files) this.write(files);
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  head(): string {
    return this.git('rev-parse', 'HEAD').trim();
  }

  /** `git log` of HEAD (or a range), newest first. */
  log(range = 'HEAD'): Array<{ sha: string; subject: string }> {
    const out = this.git('log', '--format=%H%x1f%s', range).trim();
    if (!out) return [];
    return out.split('\n').map((l) => {
      const [sha = '', subject = ''] = l.split('\x1f');
      return { sha, subject };
    });
  }

  /** Stash entries, newest first, with their commit SHAs and reflog subjects. */
  stashList(): Array<{ sha: string; subject: string }> {
    const out = this.git('stash', 'list', '--format=%H%x1f%gs').trim();
    if (!out) return [];
    return out.split('\n').map((l) => {
      const [sha = '', subject = ''] = l.split('\x1f');
      return { sha, subject };
    });
  }

  /** Reflog subjects of a ref, newest first. */
  reflog(ref = 'HEAD'): string[] {
    const out = this.tryGit('reflog', 'show', '--format=%gs', ref).stdout.trim();
    return out ? out.split('\n') : [];
  }

  /** `git status --porcelain` lines (untracked files listed individually). */
  status(): string[] {
    const out = this.git('status', '--porcelain', '--untracked-files=all');
    return out.split('\n').filter((l) => l.length > 0);
  }

  isClean(): boolean {
    return this.status().length === 0;
  }
}

export class TempRepo extends WorkingCopy {
  /** Bare remote `origin`, when created with `remote: true`. */
  readonly remoteDir: string | undefined;
  private upstreamCopy: WorkingCopy | undefined;

  private constructor(
    private readonly base: string,
    dir: string,
    env: Record<string, string>,
    remoteDir: string | undefined,
  ) {
    super(dir, env);
    this.remoteDir = remoteDir;
  }

  static async create(opts: TempRepoOptions = {}): Promise<TempRepo> {
    const base = mkdtempSync(join(tmpdir(), 'gdnctl-repo-'));
    const home = join(base, 'home');
    mkdirSync(home);
    const env = cleanGitEnv(home);
    const dir = join(base, 'work');
    mkdirSync(dir);
    runGit(dir, env, ['init', '-q', '-b', 'main']);
    configureIdentity(dir, env);
    const remoteDir = opts.remote ? join(base, 'origin.git') : undefined;
    const repo = new TempRepo(base, dir, env, remoteDir);
    repo.commit(opts.message ?? 'initial', opts.files ?? { 'README.md': '# temp repo\n' });
    if (remoteDir) {
      runGit(base, env, ['init', '-q', '--bare', '-b', 'main', remoteDir]);
      runGit(dir, env, ['remote', 'add', 'origin', remoteDir]);
      runGit(dir, env, ['push', '-q', '-u', 'origin', 'main']);
    }
    return repo;
  }

  /** A second clone of origin, for pushing "someone else's" commits upstream. */
  upstream(): WorkingCopy {
    if (!this.remoteDir) throw new Error('TempRepo.upstream() needs { remote: true }');
    if (!this.upstreamCopy) {
      const dir = join(this.base, 'upstream');
      runGit(this.base, this.env, ['clone', '-q', this.remoteDir, dir]);
      configureIdentity(dir, this.env);
      this.upstreamCopy = new WorkingCopy(dir, this.env);
    }
    return this.upstreamCopy;
  }

  /** Commit these files in the upstream clone and push them to origin/main; returns the pushed SHA. */
  pushUpstream(message: string, files: FileTree): string {
    const up = this.upstream();
    up.git('pull', '-q', '--ff-only', 'origin', 'main');
    const sha = up.commit(message, files);
    up.git('push', '-q', 'origin', 'HEAD:main');
    return sha;
  }

  /** A path inside this repo's temp base that is not part of the repository (for lock files, logs…). */
  scratch(name: string): string {
    const p = join(this.base, 'scratch', name);
    mkdirSync(dirname(p), { recursive: true });
    return p;
  }

  dispose(): void {
    rmSync(this.base, { recursive: true, force: true });
  }
}

/** Run `fn` with a fresh repo, disposing of it afterwards whatever happens. */
export async function withTempRepo<T>(opts: TempRepoOptions, fn: (repo: TempRepo) => Promise<T>): Promise<T> {
  const repo = await TempRepo.create(opts);
  try {
    return await fn(repo);
  } finally {
    repo.dispose();
  }
}
