import { capture } from '../../adapters/process/capture.js';
import { UsageError } from '../../errors.js';

export async function repoHead(repoRoot: string): Promise<string> {
  const r = await capture('git', ['rev-parse', '--verify', 'HEAD'], { cwd: repoRoot });
  if (r.exitCode !== 0) throw new UsageError(`${repoRoot} is not a git repository with a commit; run gdnctl inside your project (or pass --workdir)`);
  return r.stdout.trim();
}

export { excludeFromGit } from '../../adapters/measure/git-exclude.js';
