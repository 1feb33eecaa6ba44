import { gitEnvironment } from './git-exec.js';
import { IDENTITY_ARGS, OPEN_ARGS, prefetchGit } from './git-prefetch.js';

/**
 * The loop preflight's two read-only git questions, asked at once in `cwd` (where the loop runs unless
 * --workdir or gdnctl.yaml says otherwise; then nothing matches and nothing is used): the top level and git
 * dirs, then, there, `git var -l`. See git-prefetch.ts.
 */
export function prefetchPreflight(cwd: string, env: NodeJS.ProcessEnv): void {
  const gitEnv = gitEnvironment(env);
  void prefetchGit(cwd, gitEnv, OPEN_ARGS).then((r) => {
    const top = r.exitCode === 0 ? r.stdout.split('\n')[0] : undefined;
    if (top) void prefetchGit(top, gitEnv, IDENTITY_ARGS);
  });
}
