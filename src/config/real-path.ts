import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The real path of `p` through its deepest existing ancestor; the rest need not exist yet. Paths are compared
 * as real paths: git reports the real top level, so a --workdir given through a symlink would otherwise put
 * the log dir "outside" the repository, its exclude line would be skipped, and `git stash -u` would sweep the
 * ledger into the operator's stash.
 */
export function realPathOf(p: string, memo?: RealPathMemo): string {
  let head = resolve(p);
  let tail = '';
  for (;;) {
    try {
      const real = realOf(head, memo);
      return tail === '' ? real : join(real, tail);
    } catch {
      const up = dirname(head);
      if (up === head) return resolve(p);
      tail = tail === '' ? basename(head) : join(basename(head), tail);
      head = up;
    }
  }
}

/**
 * Answers (or the failure) of realpath per folder within one config resolution: most path keys share a few
 * parents, and each unset one would otherwise walk the same missing folders again (a thrown error each).
 */
export type RealPathMemo = Map<string, string | Error>;

function realOf(head: string, memo: RealPathMemo | undefined): string {
  let r = memo?.get(head);
  if (r === undefined) {
    try {
      r = realpathSync(head);
    } catch (e) {
      r = e as Error;
    }
    memo?.set(head, r);
  }
  if (r instanceof Error) throw r;
  return r;
}

/** `p` with a real parent folder; its own last name is kept (a symlinked prompt file keeps its name in messages). */
export function realParentPath(p: string, memo?: RealPathMemo): string {
  const abs = resolve(p);
  const up = dirname(abs);
  return up === abs ? abs : join(realPathOf(up, memo), basename(abs));
}
