/**
 * Which changed paths touch protected globs ("the optimizer must not grade its own homework"), and which
 * fall outside a scope. Pure; paths are repository-relative with '/' separators (as git prints them).
 *
 * Glob rules (node's path.matchesGlob is experimental on Node 20 and skips dotfiles, which a protection
 * rule must not): `**` any number of segments (also none, also dotfiles), `*` anything within one segment,
 * `?` one character within a segment; everything else is literal. Globs are anchored at the repository root,
 * and a glob that matches a directory covers everything below it (`bench` protects `bench/run.sh`).
 */

/** Always protected: the loop's own config. */
export const ALWAYS_PROTECTED = ['gdnctl.yaml'] as const;

export function globToRegExp(glob: string): RegExp {
  const g = glob.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/+$/, '');
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i] as string;
    if (c === '*' && g[i + 1] === '*') {
      const atSegmentStart = i === 0 || g[i - 1] === '/';
      const atSegmentEnd = i + 2 === g.length || g[i + 2] === '/';
      if (atSegmentStart && atSegmentEnd) {
        if (g[i + 2] === '/') {
          re += '(?:.*/)?'; // "**/" : zero or more whole segments
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
        continue;
      }
      re += '[^/]*'; // "a**b" inside a segment is just a star
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // The glob may name a directory: everything below it matches too. Flag s: `.` matches every character,
  // newlines included; git reports such paths verbatim with -z, and a path must not slip past `**` that way.
  return new RegExp(`^${re}(?:/.*)?$`, 's');
}

export interface ProtectedHit {
  path: string;
  glob: string;
}

/** Changed paths matching a protect glob (gdnctl.yaml always included), each with the first glob it hit. */
export function protectedPathHits(paths: readonly string[], protectGlobs: readonly string[]): ProtectedHit[] {
  const globs = [...ALWAYS_PROTECTED, ...protectGlobs.filter((g) => g.trim().length > 0)];
  const compiled = globs.map((glob) => ({ glob, re: globToRegExp(glob) }));
  const hits: ProtectedHit[] = [];
  for (const path of paths) {
    const hit = compiled.find((c) => c.re.test(path));
    if (hit) hits.push({ path, glob: hit.glob });
  }
  return hits;
}

/** Changed paths that no scope glob covers. An empty scope means "anywhere": nothing is outside. */
export function pathsOutsideScope(paths: readonly string[], scopeGlobs: readonly string[]): string[] {
  const globs = scopeGlobs.filter((g) => g.trim().length > 0);
  if (globs.length === 0) return [];
  const compiled = globs.map(globToRegExp);
  return paths.filter((p) => !compiled.some((re) => re.test(p)));
}

/** The shell words of a command line, roughly: split on blanks and shell operators, quotes removed. */
export function commandWords(command: string): string[] {
  const words: string[] = [];
  for (const m of command.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|([^\s'";&|<>()]+)/g)) {
    words.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);
  }
  // `--file=bench/x.py` and `VAR=bench/x.py` name a path after the '='.
  return words.flatMap((w) => (w.includes('=') ? [w, w.slice(w.indexOf('=') + 1)] : [w]));
}

/**
 * Default protection ("the optimizer must not grade its own homework"): what a benchmark or regression test is
 * made of. Each script file a --bench or --post-check command names (a word that is an existing regular file in
 * the repository, as `repoFile` reports it, repository-relative) protects its whole directory, so a helper the
 * benchmark imports is covered too; a script at the repository root protects only itself (its directory is
 * everything). `suiteFiles` (the testSuites files) are protected one by one. The hill-climb log, which the agent
 * must edit, is never protected: a script in the log's own folder (or above it) protects only itself, since
 * protecting the folder would revert every iteration.
 */
export function defaultProtectGlobs(
  commands: readonly string[],
  suiteFiles: readonly string[],
  repoFile: (word: string) => string | undefined,
  hillclimbLog?: string,
): string[] {
  const out = new Set<string>();
  for (const command of commands) {
    for (const word of commandWords(command)) {
      const rel = repoFile(word);
      if (rel === undefined || rel === hillclimbLog) continue;
      const slash = rel.lastIndexOf('/');
      const dir = slash < 0 ? rel : rel.slice(0, slash);
      out.add(hillclimbLog?.startsWith(`${dir}/`) ? rel : dir);
    }
  }
  for (const f of suiteFiles) if (f !== hillclimbLog) out.add(f);
  return [...out].sort();
}
