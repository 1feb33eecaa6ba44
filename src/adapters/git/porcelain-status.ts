import type { StatusEntry, TreeSnapshot } from '../../ports/git.js';

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

/** Fields before the path in porcelain v2's ordinary (1), rename/copy (2) and unmerged (u) entries. */
const V2_FIELDS: Record<string, number> = { '1': 8, '2': 9, u: 10 };

/**
 * Parse `git status --porcelain=v2 --branch -z`: the `# branch.oid` / `# branch.head` headers give HEAD's
 * commit and branch, so one git process answers what rev-parse, symbolic-ref and status answered. Entries
 * come out as v1 codes ('.' = unmodified becomes ' ', untracked is '??'); a rename's source path is the next
 * NUL-separated field, as in v1. Paths are verbatim (spaces, newlines, quotes).
 */
export function parsePorcelainV2Z(out: string): TreeSnapshot {
  const fields = out.split('\0');
  let head: string | undefined;
  let branch: string | undefined;
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (!f) continue;
    const kind = f[0] as string;
    if (kind === '#') {
      const [, key, value = ''] = /^# (\S+) ?(.*)$/s.exec(f) ?? [];
      if (key === 'branch.oid' && value !== '(initial)') head = value;
      if (key === 'branch.head' && value !== '(detached)') branch = value;
      continue;
    }
    if (kind === '?' || kind === '!') {
      if (kind === '?') entries.push({ code: '??', path: f.slice(2) });
      continue;
    }
    const before = V2_FIELDS[kind];
    if (before === undefined) continue;
    let at = 0;
    for (let n = 0; n < before && at >= 0; n++) at = f.indexOf(' ', at) + 1;
    const code = f.slice(2, 4).replace(/\./g, ' ');
    const path = f.slice(at);
    if (kind === '2') entries.push({ code, path, origPath: fields[++i] ?? '' });
    else entries.push({ code, path });
  }
  return { head, branch, entries };
}
