/**
 * One way to run git through simple-git that keeps the exit code.
 *
 * simple-git resolves a command that exits non-zero with an EMPTY stderr as a success (verified with
 * `merge-base --is-ancestor` and `rev-parse --verify -q`), and wraps other failures in a GitError whose
 * message is the stderr only. Many answers we need ARE exit codes (is-ancestor, cat-file -e, merge-tree's
 * "1 = conflicts"), so an `errors` plugin turns every non-zero exit into a GitError whose message is a JSON
 * record of {exitCode, stdout, stderr}; `GitExec.run` decodes it back into data.
 */
import { simpleGit, type SimpleGit } from 'simple-git';

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
  /** Environment for git (default: this process's; simple-git drops ambient GIT_* variables either way). */
  env?: Record<string, string | undefined>;
  /** Extra attempts when git reports a held lock (`index.lock`, "Another git process…"). Default 3. */
  lockRetries?: number;
  /** Sleep between those attempts. Default 2000 ms (the anchor's). */
  lockRetrySleepMs?: number;
}

const EXIT_MARK = 'gdnctl-git-exit:';

/** The anchor's only classified transient error: another git process holds a lock file. */
export function isLockError(stderr: string): boolean {
  return /index\.lock|Another git process seems to be running|Unable to create '[^']*\.lock'/.test(stderr);
}

export class GitExec {
  private readonly git: SimpleGit;
  private readonly lockRetries: number;
  private readonly lockRetrySleepMs: number;

  constructor(
    readonly cwd: string,
    opts: GitExecOptions = {},
  ) {
    this.lockRetries = opts.lockRetries ?? 3;
    this.lockRetrySleepMs = opts.lockRetrySleepMs ?? 2000;
    const env = opts.env ? Object.fromEntries(Object.entries(opts.env).filter((e): e is [string, string] => e[1] !== undefined)) : undefined;
    this.git = simpleGit({
      baseDir: cwd,
      // An explicitly passed GIT_* variable (e.g. GIT_CONFIG_NOSYSTEM in tests) is refused unless allowed here.
      allowEnvironment: env ? Object.keys(env).filter((k) => k.startsWith('GIT_')) : [],
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
    if (env) this.git.env(env);
  }

  /**
   * Run git; exit codes in `okExitCodes` (always 0; 'any' = all) come back as data, others throw
   * GitCommandError. A lock error is retried first either way: git did nothing when it could not take the lock.
   */
  async run(args: string[], okExitCodes: readonly number[] | 'any' = [0]): Promise<GitRunResult> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.once(args);
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

  /** Stdout of a command that must succeed, trailing newline removed. */
  async out(args: string[]): Promise<string> {
    return (await this.run(args)).stdout.replace(/\n$/, '');
  }

  private async once(args: string[]): Promise<GitRunResult> {
    try {
      const stdout = await this.git.raw(args);
      return { exitCode: 0, stdout, stderr: '' };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const at = msg.indexOf(EXIT_MARK);
      if (at < 0) throw e; // spawn failure, abort plugin: a bug or an environment problem, not an answer
      return JSON.parse(msg.slice(at + EXIT_MARK.length)) as GitRunResult;
    }
  }
}
