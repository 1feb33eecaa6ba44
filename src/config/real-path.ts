import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The real path of `p` through its deepest existing ancestor; the rest need not exist yet. Paths are compared
 * as real paths: git reports the real top level, so a --workdir given through a symlink would otherwise put
 * the log dir "outside" the repository, its exclude line would be skipped, and `git stash -u` would sweep the
 * ledger into the operator's stash.
 */
export function realPathOf(p: string): string {
  let head = resolve(p);
  let tail = '';
  for (;;) {
    try {
      return tail === '' ? realpathSync(head) : join(realpathSync(head), tail);
    } catch {
      const up = dirname(head);
      if (up === head) return resolve(p);
      tail = tail === '' ? basename(head) : join(basename(head), tail);
      head = up;
    }
  }
}

/** `p` with a real parent folder; its own last name is kept (a symlinked prompt file keeps its name in messages). */
export function realParentPath(p: string): string {
  const abs = resolve(p);
  const up = dirname(abs);
  return up === abs ? abs : join(realPathOf(up), basename(abs));
}
