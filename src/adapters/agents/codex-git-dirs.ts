import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * The git folders an agent in `workdir` writes when it commits: the worktree's own git dir (index, HEAD) and
 * the repository's common dir (objects, refs). For the main worktree both are `<repo>/.git`; for a linked
 * worktree (a parallel candidate) the first is `<repo>/.git/worktrees/<name>`.
 *
 * codex 0.171's workspace-write sandbox mounts `.git` (and the folder a `.git` file points to) read-only inside
 * every writable root, so `git commit` fails with "Read-only file system" unless these are passed as writable
 * roots of their own (`--add-dir`); only the exact path lifts the protection, a parent does not.
 * Read from the files git itself reads (`.git`, `commondir`), without spawning git: describe() is synchronous.
 * Empty when `workdir` is not inside a git checkout.
 */
export function gitWritableDirs(workdir: string): string[] {
  const top = findDotGit(resolve(workdir));
  if (!top) return [];
  let gitDir = top;
  if (statSync(top).isFile()) {
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(top, 'utf8'));
    if (!m) return [];
    gitDir = isAbsolute(m[1]!) ? m[1]! : resolve(dirname(top), m[1]!);
  }
  let common = gitDir;
  try {
    const rel = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
    if (rel !== '') common = isAbsolute(rel) ? rel : resolve(gitDir, rel);
  } catch {
    // no commondir: a main worktree, its git dir is the common dir
  }
  return [...new Set([gitDir, common])];
}

function findDotGit(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const p = join(d, '.git');
    try {
      statSync(p);
      return p;
    } catch {
      // not here: look in the parent
    }
    if (dirname(d) === d) return undefined;
  }
}
