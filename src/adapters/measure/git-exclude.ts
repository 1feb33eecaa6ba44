import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { capture } from '../process/capture.js';

/** Keep a folder inside the repository out of `git status` through .git/info/exclude (idempotent). */
export async function excludeFromGit(repoRoot: string, dir: string): Promise<void> {
  const rel = relative(repoRoot, resolve(dir));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return;
  const r = await capture('git', ['rev-parse', '--git-path', 'info/exclude'], { cwd: repoRoot });
  if (r.exitCode !== 0) return;
  const file = resolve(repoRoot, r.stdout.trim());
  const pattern = `/${rel.split('\\').join('/')}/`;
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current.split('\n').includes(pattern)) return;
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${current === '' || current.endsWith('\n') ? '' : '\n'}${pattern}\n`);
}
