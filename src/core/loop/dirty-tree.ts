import type { StatusEntry } from '../../ports/git.js';

/**
 * The one place that decides what "dirty" means and what to do about it, used by codex-loop's preflight, by
 * the guard-tree phase of every iteration, and by resume. Dirty = any tracked change or untracked, non-ignored
 * path, except gdnctl's own ledger folder (excluded through .git/info/exclude once a loop ran; before the first
 * run it is not yet excluded and must not count as the operator's work).
 */
export type DirtyVerdict =
  | { kind: 'clean' }
  /** --allow-dirty: the loop works on top of the operator's changes and never stashes them. */
  | { kind: 'allowed'; paths: string[] }
  | { kind: 'stash'; paths: string[] }
  | { kind: 'refuse'; paths: string[]; message: string };

export interface DirtyRules {
  requireClean: boolean;
  dirtyPolicy: 'fail' | 'stash';
  /** The log dir relative to the repository root ('' or '../…' when it lies outside). */
  ledgerRel?: string;
}

export function operatorPaths(status: readonly StatusEntry[], ledgerRel: string | undefined): string[] {
  const inside = ledgerRel !== undefined && ledgerRel !== '' && !ledgerRel.startsWith('..') && !ledgerRel.startsWith('/');
  const inLedger = (p: string): boolean => inside && (p.startsWith(ledgerRel + '/') || (p.endsWith('/') && (ledgerRel + '/').startsWith(p)));
  return status.map((e) => e.path).filter((p) => !inLedger(p));
}

export function judgeDirtyTree(status: readonly StatusEntry[], rules: DirtyRules): DirtyVerdict {
  const paths = operatorPaths(status, rules.ledgerRel);
  if (paths.length === 0) return { kind: 'clean' };
  if (!rules.requireClean) return { kind: 'allowed', paths };
  if (rules.dirtyPolicy === 'stash') return { kind: 'stash', paths };
  return { kind: 'refuse', paths, message: dirtyMessage(paths) };
}

/** "working tree is dirty (3 paths: a, b, c); commit or stash them, or pass --dirty-policy stash" */
export function dirtyMessage(paths: readonly string[]): string {
  const shown = paths.slice(0, 10).join(', ') + (paths.length > 10 ? `, … (${paths.length} in all)` : '');
  return `working tree is dirty (${paths.length} path${paths.length === 1 ? '' : 's'}: ${shown}); commit or stash them, or pass --dirty-policy stash`;
}
