/**
 * One way to run git that keeps the exit code: spawned directly for the loop's hot path, through simple-git for
 * the rest.
 *
 * Direct (`DIRECT` below): the commands every iteration and the start-up run (status, rev-parse, log, diff, var,
 * the stamp's add and commit, update-ref…). simple-git 4 waits 50 ms after a command that prints nothing (a
 * clean `status`), which was most of the loop's own time between two agent runs; a direct spawn costs only git.
 * simple-git (loaded on first use) keeps the commands where its cost does not matter: stash, revert, merge,
 * checkout, reset, fetch, worktree.
 *
 * simple-git resolves a command that exits non-zero with an EMPTY stderr as a success (verified with
 * `merge-base --is-ancestor` and `rev-parse --verify -q`), and wraps other failures in a GitError whose
 * message is the stderr only. Many answers we need ARE exit codes (is-ancestor, cat-file -e, merge-tree's
 * "1 = conflicts"), so an `errors` plugin turns every non-zero exit into a GitError whose message is a JSON
 * record of {exitCode, stdout, stderr}; `GitExec.run` decodes it back into data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { SimpleGit } from 'simple-git';

export interface GitRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    // git puts the reason (fatal:/error:) first and advice after it.
    super(`git ${args.join(' ')} failed (exit ${exitCode}): ${stderr.trim().split('\n').slice(0, 2).join(' | ') || 'no output'}`);
    this.name = 'GitCommandError';
  }
}

export interface GitExecOptions {
  /** Environment for git (default: this process's), cleaned by gitEnvironment(). */
  env?: Record<string, string | undefined>;
  /** Extra attempts when git reports a held lock (`index.lock`, "Another git process…"). Default 3. */
  lockRetries?: number;
  /** Sleep between those attempts. Default 2000 ms (the anchor's). */
  lockRetrySleepMs?: number;
  /** Stop a fetch that has printed nothing for this long. Default 120000 ms. */
  networkIdleTimeoutMs?: number;
  /** Set after the cleaning, for gdnctl's own use (a temporary GIT_INDEX_FILE); see GitExec.withEnv. */
  extraEnv?: Record<string, string>;
}

const EXIT_MARK = 'gdnctl-git-exit:';

/** `SimpleGitRepo.open`'s one rev-parse: the top level and the git dirs (simple-git-repo.ts). */
export const OPEN_ARGS = ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir', '--git-path', 'info/exclude'];
/** `commitProblems`'s listing of the effective config (repo-preflight.ts). */
export const IDENTITY_ARGS = ['var', '-l'];

/**
 * Answers to OPEN_ARGS and IDENTITY_ARGS asked ahead of time (git-prefetch.ts), by directory, environment and
 * command. GitExec takes one only for exactly that question, once; any other git command first drops them all
 * (it might change an answer).
 */
const ahead = new Map<string, Promise<GitRunResult>>();

const aheadKey = (cwd: string, env: Record<string, string>, args: readonly string[]): string =>
  `${resolve(cwd)}\0${args.join('\0')}\0${JSON.stringify(env)}`;

const isPrefetchable = (args: readonly string[]): boolean =>
  [OPEN_ARGS, IDENTITY_ARGS].some((a) => a.length === args.length && a.every((x, k) => x === args[k]));

/** Keep an answer asked ahead for GitExec (only OPEN_ARGS and IDENTITY_ARGS are ever taken). */
export function keepPrefetched(cwd: string, env: Record<string, string>, args: readonly string[], answer: Promise<GitRunResult>): void {
  ahead.set(aheadKey(cwd, env, args), answer);
}

/** The answer asked ahead for exactly this command, if any (taken once). */
export function takePrefetched(cwd: string, env: Record<string, string>, args: readonly string[]): Promise<GitRunResult> | undefined {
  if (ahead.size === 0) return undefined;
  const key = aheadKey(cwd, env, args);
  const p = ahead.get(key);
  ahead.delete(key);
  return p;
}

/**
 * Commands spawned directly: read-only ones and the few writes of the loop's hot path (the stamp's add and
 * commit, update-ref). Everything else goes through simple-git.
 */
const DIRECT = new Set([
  'status', 'rev-parse', 'log', 'diff', 'diff-tree', 'var', 'config', 'symbolic-ref', 'cat-file', 'merge-base',
  'show', 'ls-files', 'ls-tree', 'for-each-ref', 'update-ref', 'add', 'commit', 'commit-tree', 'write-tree',
  'read-tree', 'hash-object', 'merge-tree', 'rev-list',
]);

/** Spawn git once and collect its output; a spawn failure (no git on PATH) rejects. onChild sees the process. */
export function spawnGit(
  cwd: string,
  env: Record<string, string>,
  args: readonly string[],
  input?: string,
  onChild?: (child: ChildProcess) => void,
): Promise<GitRunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    onChild?.(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolveRun({ exitCode: code ?? (signal ? 128 : -1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * Variables that would point git at ANOTHER repository or index (set when gdnctl is started from a git hook
 * or alias), or start an editor or pager in an unattended run. Everything else of the operator's environment
 * is kept: identity (GIT_AUTHOR_*, GIT_COMMITTER_*) and transport (GIT_SSH_COMMAND, GIT_ASKPASS…) are needed
 * to commit and to fetch.
 */
const DROPPED_ENV = new Set([
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX', 'GIT_EXEC_PATH', 'GIT_TEMPLATE_DIR', 'GIT_EXTERNAL_DIFF',
  'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'GIT_PAGER', 'EDITOR', 'VISUAL', 'PAGER', 'PREFIX',
]);

/** The environment git runs with, from the caller's (default: this process's). */
export function gitEnvironment(base: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !DROPPED_ENV.has(k.toUpperCase())) env[k] = v;
  // English messages: the one error we classify by text (a held lock) must read the same everywhere.
  env.LC_ALL = 'C';
  // Unattended: a credential prompt must fail, not wait for a keyboard (unless the operator chose otherwise).
  env.GIT_TERMINAL_PROMPT ??= '0';
  return env;
}

/** The anchor's only classified transient error: another git process holds a lock file. */
export function isLockError(stderr: string): boolean {
  return /index\.lock|Another git process seems to be running|Unable to create '[^']*\.lock'/.test(stderr);
}

export class GitExec {
  private git: Promise<SimpleGit> | undefined;
  private networkGit: Promise<SimpleGit> | undefined;
  private readonly lockRetries: number;
  private readonly lockRetrySleepMs: number;
  private readonly networkIdleTimeoutMs: number;
  private readonly env: Record<string, string>;

  constructor(
    readonly cwd: string,
    private readonly opts: GitExecOptions = {},
  ) {
    this.lockRetries = opts.lockRetries ?? 3;
    this.lockRetrySleepMs = opts.lockRetrySleepMs ?? 2000;
    this.networkIdleTimeoutMs = opts.networkIdleTimeoutMs ?? 120_000;
    const env = { ...gitEnvironment(opts.env ?? process.env), ...opts.extraEnv };
    this.env = env;
  }

  /**
   * The simple-git client, loaded on first use: the loop's first iteration needs none. Talking to a remote can
   * hang (a dead host, a credential prompt nobody answers), so the network client stops git when it has been
   * silent for networkIdleTimeoutMs. Local commands get no such limit: a big merge-tree may legitimately be quiet.
   */
  private client(network: boolean): Promise<SimpleGit> {
    if (network) return (this.networkGit ??= GitExec.client(this.cwd, this.env, this.networkIdleTimeoutMs));
    return (this.git ??= GitExec.client(this.cwd, this.env));
  }

  private static async client(cwd: string, env: Record<string, string>, blockMs?: number): Promise<SimpleGit> {
    const { simpleGit } = await import('simple-git');
    const git = simpleGit({
      baseDir: cwd,
      ...(blockMs ? { timeout: { block: blockMs } } : {}),
      // simple-git guards against UNTRUSTED input: it drops ambient GIT_* variables and refuses explicit ones
      // unless allowed. This environment is the operator's own, already cleaned by gitEnvironment().
      allowEnvironment: Object.keys(env).filter((k) => k.toUpperCase().startsWith('GIT_') || k.toUpperCase() === 'SSH_ASKPASS'),
      unsafe: {
        allowUnsafeSshCommand: true,
        allowUnsafeAskPass: true,
        allowUnsafeConfigPaths: true,
        allowUnsafeConfigEnvCount: true,
        allowUnsafeGitProxy: true,
      },
      errors: (error, result) => {
        if (typeof result.exitCode === 'number' && result.exitCode > 0) {
          return Buffer.from(
            EXIT_MARK +
              JSON.stringify({
                exitCode: result.exitCode,
                stdout: Buffer.concat(result.stdOut).toString('utf8'),
                stderr: Buffer.concat(result.stdErr).toString('utf8'),
              }),
          );
        }
        return error;
      },
    });
    git.env(env);
    return git;
  }

  /** The same git with variables of gdnctl's own on top (they are not cleaned away like the caller's). */
  withEnv(extra: Record<string, string>): GitExec {
    return new GitExec(this.cwd, { ...this.opts, extraEnv: { ...this.opts.extraEnv, ...extra } });
  }

  /**
   * Run git; exit codes in `okExitCodes` (always 0; 'any' = all) come back as data, others throw
   * GitCommandError. A lock error is retried first either way: git did nothing when it could not take the lock.
   */
  async run(args: string[], okExitCodes: readonly number[] | 'any' = [0], opts: { network?: boolean } = {}): Promise<GitRunResult> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.once(args, opts.network === true);
      if (res.exitCode === 0) return res;
      const isLock = isLockError(res.stderr);
      if (okExitCodes !== 'any' && okExitCodes.includes(res.exitCode) && !isLock) return res;
      if (attempt < this.lockRetries && isLock) {
        await new Promise((r) => setTimeout(r, this.lockRetrySleepMs));
        continue;
      }
      if (okExitCodes === 'any') return res;
      throw new GitCommandError(args, res.exitCode, res.stderr);
    }
  }

  /**
   * A command that reads its input from stdin (`update-ref --stdin`), which simple-git cannot feed: spawned
   * directly, same environment, must exit 0.
   */
  async withInput(args: string[], input: string): Promise<string> {
    ahead.clear();
    const r = await spawnGit(this.cwd, this.env, args, input);
    if (r.exitCode !== 0) throw new GitCommandError(args, r.exitCode, r.stderr);
    return r.stdout;
  }

  /** Stdout of a command that must succeed, trailing newline removed. */
  async out(args: string[]): Promise<string> {
    return (await this.run(args)).stdout.replace(/\n$/, '');
  }

  private async once(args: string[], network: boolean): Promise<GitRunResult> {
    if (isPrefetchable(args)) {
      const early = takePrefetched(this.cwd, this.env, args);
      if (early) return early;
    } else ahead.clear();
    if (!network && DIRECT.has(args[0] ?? '')) return spawnGit(this.cwd, this.env, args);
    try {
      const stdout = await (await this.client(network)).raw(args);
      return { exitCode: 0, stdout, stderr: '' };
    } catch (e) {
      if ((e as { plugin?: string }).plugin === 'timeout') {
        throw new GitCommandError(args, -1, `no output for ${this.networkIdleTimeoutMs} ms; git was stopped`);
      }
      const msg = e instanceof Error ? e.message : String(e);
      const at = msg.indexOf(EXIT_MARK);
      if (at < 0) throw e; // spawn failure, abort plugin: a bug or an environment problem, not an answer
      return JSON.parse(msg.slice(at + EXIT_MARK.length)) as GitRunResult;
    }
  }
}
