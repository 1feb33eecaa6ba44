import { statSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import type { ResolvedConfig } from '../../config/resolve.js';
import type { Config } from '../../config/schema.js';
import { ALWAYS_PROTECTED, defaultProtectGlobs } from '../../core/protected-paths.js';

/** Repository-relative, '/'-separated; undefined when `abs` is the root itself or outside it. */
export function repoRelative(root: string, abs: string): string | undefined {
  const rel = relative(root, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * defaultProtectGlobs' `repoFile`: a command word resolved against the workdir (where post-checks run) that is
 * an existing regular file inside the repository, as a repository-relative path. Directories, missing paths and
 * files outside the repository answer undefined: only a script a check really runs names what it is made of.
 */
export function repoFileResolver(root: string, workdir: string): (word: string) => string | undefined {
  return (word) => {
    if (word === '') return undefined;
    const abs = resolve(workdir, word);
    const rel = repoRelative(root, abs);
    if (rel === undefined) return undefined;
    try {
      return statSync(abs).isFile() ? rel : undefined;
    } catch {
      return undefined;
    }
  };
}

/**
 * The testSuites files that exist in the repository, repository-relative (a suite's files are relative to its
 * cwd there). The built-in GDN suites name files most repositories do not have; those protect nothing.
 */
export function suiteFiles(suites: Config['testSuites'], repoFile: (word: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const s of Object.values(suites)) {
    for (const f of s.files) {
      const rel = repoFile(posix.join(s.cwd, f));
      if (rel !== undefined) out.push(rel);
    }
  }
  return out;
}

/** What the checks are made of (docs/codex-loop.md "Protected paths"): the default protection of --protect-checks. */
export function checkProtectGlobs(v: Config, root: string): string[] {
  const commands = [...(v.bench ? [v.bench] : []), ...v.postCheck];
  const suites = suiteFiles(v.testSuites, repoFileResolver(root, root));
  return defaultProtectGlobs(commands, suites, repoFileResolver(root, v.workdir), repoRelative(root, v.hillclimbLog));
}

/** The globs the loop protects on top of gdnctl.yaml: --protect, plus (unless --no-protect-checks) the checks' files. */
export function loopProtectGlobs(v: Config, root: string): string[] {
  if (!v.protectChecks) return v.protect;
  return [...new Set([...v.protect, ...checkProtectGlobs(v, root)])];
}

/** --print-config's `protected` line: the effective protected set the run will use. */
export function withProtectedSet(config: ResolvedConfig): ResolvedConfig {
  const value = [...ALWAYS_PROTECTED, ...loopProtectGlobs(config.values, config.repoRoot)];
  const note = config.values.protectChecks
    ? 'effective: gdnctl.yaml + protect + the files of --bench/--post-check/testSuites (protectChecks)'
    : 'effective: gdnctl.yaml + protect (--no-protect-checks)';
  return { ...config, derived: [...(config.derived ?? []), { key: 'protected', value, note }] };
}
