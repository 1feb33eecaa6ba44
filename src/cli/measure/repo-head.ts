import { execa } from 'execa';
import { UsageError } from '../../errors.js';

export async function repoHead(repoRoot: string): Promise<string> {
  const r = await execa('git', ['rev-parse', '--verify', 'HEAD'], { cwd: repoRoot, reject: false });
  if (r.exitCode !== 0) throw new UsageError(`${repoRoot} is not a git repository with a commit; run gdnctl inside your project (or pass --workdir)`);
  return String(r.stdout).trim();
}

export { excludeFromGit } from '../../adapters/measure/git-exclude.js';
