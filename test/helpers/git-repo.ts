import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function git(repo: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
}

/** A throw-away repository with one commit and a local identity (agents commit with the repo's config). */
export function makeRepo(prefix = 'gdnctl-agent-'): { root: string; repo: string; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const repo = join(root, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  git(repo, 'config', 'user.name', 'Test Agent');
  git(repo, 'config', 'user.email', 'agent@example.com');
  git(repo, 'config', 'commit.gpgsign', 'false');
  writeFileSync(join(repo, 'README.md'), '# target\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'initial');
  return { root, repo, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
