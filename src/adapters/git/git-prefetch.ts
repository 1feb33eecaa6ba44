/**
 * Git questions asked before they are needed: `gdnctl codex-loop` starts its preflight's read-only git commands
 * (the repository's top level and git dirs, then `git var -l`) the moment it knows it will run the loop, so they
 * run on another core while the loop's code loads, ~15 ms of every start (issue 14; docs/decisions.md
 * "Issue 14 — stop 22"). GitExec takes an answer only for the same command, in the same directory, with the
 * same environment, once (git-exec.ts keepPrefetched). What nobody took is ended when the process exits.
 */
import type { ChildProcess } from 'node:child_process';
import { gitEnvironment, IDENTITY_ARGS, keepPrefetched, OPEN_ARGS, spawnGit, type GitRunResult } from './git-exec.js';

const running = new Set<ChildProcess>();
let exitHook = false;

function track(child: ChildProcess): void {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('close', () => running.delete(child));
  child.once('error', () => running.delete(child));
}

/** Ask `args` in `cwd` now; the answer waits for GitExec. Returns it too, for a question that depends on it. */
export function prefetchGit(cwd: string, env: Record<string, string>, args: readonly string[]): Promise<GitRunResult> {
  const answer = spawnGit(cwd, env, args, undefined, track);
  // No git on PATH rejects as the real call would; untaken, the rejection must not be unhandled.
  answer.catch(() => undefined);
  keepPrefetched(cwd, env, args, answer);
  return answer;
}

/**
 * The loop preflight's two read-only git questions, asked at once in `cwd` (where the loop runs unless
 * --workdir or gdnctl.yaml says otherwise; then nothing matches and nothing is used): the top level and git
 * dirs, then, there, `git var -l`.
 */
export function prefetchPreflight(cwd: string, env: NodeJS.ProcessEnv): void {
  const gitEnv = gitEnvironment(env);
  prefetchGit(cwd, gitEnv, OPEN_ARGS).then(
    (r) => {
      const top = r.exitCode === 0 ? r.stdout.split('\n')[0] : undefined;
      if (top) void prefetchGit(top, gitEnv, IDENTITY_ARGS);
    },
    () => undefined,
  );
}
