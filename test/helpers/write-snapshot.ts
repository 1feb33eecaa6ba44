/**
 * "Nothing was written": a byte-for-byte picture of everything a refused command could have touched in a
 * repository — every file and folder outside .git (tracked, untracked and ignored alike), the stash list, all
 * refs and HEAD, .git/info/exclude, the loop's lock file, and any extra paths (a log dir outside the repo, a
 * config file). Compare two snapshots with assert.deepStrictEqual; the diff names the path that changed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface WriteSnapshot {
  /** Relative path → 'dir', 'link:<target>', 'special:<type>' or 'file:<mode>:<sha256>'. */
  tree: Record<string, string>;
  stash: string;
  refs: string;
  head: string;
  exclude: string;
  gitTopLevel: string[];
  extra: Record<string, Record<string, string> | 'absent'>;
}

function entry(p: string): string {
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return `link:${readlinkSync(p)}`;
  if (st.isDirectory()) return 'dir';
  // Reading a FIFO would block the test (a bad-input case puts one where a file is expected).
  if (!st.isFile()) return `special:${(st.mode & 0o170000).toString(8)}`;
  return `file:${(st.mode & 0o777).toString(8)}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
}

/** Every path under root (root itself as '.'), skipping the named top-level folders. */
export function hashTree(root: string, skip: readonly string[] = []): Record<string, string> | 'absent' {
  if (!existsSync(root)) {
    try {
      lstatSync(root);
    } catch {
      return 'absent';
    }
  }
  const out: Record<string, string> = { '.': entry(root) };
  if (!lstatSync(root).isDirectory()) return out;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (skip.includes(rel)) continue;
      out[rel] = entry(p);
      if (out[rel] === 'dir') walk(p);
    }
  };
  walk(root);
  return out;
}

function git(dir: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
  } catch (e) {
    return `error: ${String((e as { stderr?: string }).stderr ?? e)}`;
  }
}

function readOr(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch (e) {
    return `<${(e as NodeJS.ErrnoException).code ?? 'error'}>`;
  }
}

/** Snapshot of `dir` (a repository, or a plain folder when the case is "not a git repository"). */
export function snapshot(dir: string, extraPaths: readonly string[] = []): WriteSnapshot {
  const isRepo = existsSync(join(dir, '.git'));
  const tree = hashTree(dir, ['.git']);
  const extra: WriteSnapshot['extra'] = {};
  for (const p of extraPaths) extra[p] = hashTree(p);
  return {
    tree: tree === 'absent' ? {} : tree,
    stash: isRepo ? git(dir, ['stash', 'list', '--format=%H %gs']) : '',
    refs: isRepo ? git(dir, ['for-each-ref', '--format=%(refname) %(objectname)']) : '',
    head: isRepo ? readOr(join(dir, '.git', 'HEAD')) + git(dir, ['rev-parse', '-q', '--verify', 'HEAD']) : '',
    exclude: isRepo ? readOr(join(dir, '.git', 'info', 'exclude')) : '',
    // The run lock and any other stray file gdnctl might leave at .git's top (the index is git's own cache).
    gitTopLevel: isRepo ? readdirSync(join(dir, '.git')).filter((n) => n !== 'index').sort() : [],
    extra,
  };
}
