import type { StatusEntry } from '../../ports/git.js';

/**
 * Parse `git status --porcelain=v1 -z`. With -z, paths are never quoted or escaped (spaces, quotes and
 * non-ASCII come through verbatim), and a rename/copy entry `R  new\0old\0` carries its source path as the
 * NEXT NUL-separated field, so the fields must be walked, not split into pairs.
 */
export function parsePorcelainZ(out: string): StatusEntry[] {
  const fields = out.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (!f) continue;
    const code = f.slice(0, 2);
    const path = f.slice(3);
    if (code.includes('R') || code.includes('C')) {
      const origPath = fields[++i] ?? '';
      entries.push({ code, path, origPath });
    } else {
      entries.push({ code, path });
    }
  }
  return entries;
}

/** Paths with unresolved conflicts (porcelain codes DD, AU, UD, UA, DU, AA, UU). */
export function unmergedPaths(entries: StatusEntry[]): string[] {
  const unmerged = new Set(['DD', 'AU', 'UD', 'UA', 'DU', 'AA', 'UU']);
  return entries.filter((e) => unmerged.has(e.code)).map((e) => e.path);
}
