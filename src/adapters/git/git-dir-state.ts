/**
 * The refs, the stash list and the marks of a half-done operation, read from the git dir's files instead of
 * from git processes: the loop reads them around every agent pass, where a spawn per question would cost more
 * than the whole check (docs/git-safety.md "Around every agent pass").
 *
 * This is git's "files" ref backend (the only one git 2.39 has): loose refs are files under refs/ holding a
 * SHA, packed-refs holds the rest (a loose ref wins), HEAD is `ref: <name>` or a SHA, and the stash list is
 * the reflog of refs/stash, oldest line first. A linked worktree keeps HEAD, the index and the operation files
 * in its own git dir; refs and logs live in the common dir.
 *
 * The reads are synchronous: a dozen small files, read right before the status after each agent and before the
 * next agent's spawn. Through the thread pool each was a round trip of the event loop, 2-6 ms per read of the
 * git dir on a busy loop; synchronously the whole read takes a fraction of a millisecond.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GitDirState, GitOperation } from '../../ports/git.js';

export interface GitDirs {
  /** This worktree's git dir (HEAD, index, MERGE_HEAD, rebase-merge/). */
  gitDir: string;
  /** The repository's common dir (refs/, packed-refs, logs/). */
  commonDir: string;
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const WATCHED = ['refs/heads', 'refs/tags', 'refs/gdnctl'];

/** In order: a rebase can hold a cherry-pick's or a merge's marks, and an am uses rebase-apply/ too. */
const OPERATION_MARKS: Array<{ path: string; op: GitOperation }> = [
  { path: 'rebase-merge', op: 'rebase' },
  { path: 'rebase-apply/applying', op: 'am' },
  { path: 'rebase-apply', op: 'rebase' },
  { path: 'MERGE_HEAD', op: 'merge' },
  { path: 'CHERRY_PICK_HEAD', op: 'cherry-pick' },
  { path: 'REVERT_HEAD', op: 'revert' },
  { path: 'sequencer', op: 'cherry-pick' },
  { path: 'BISECT_LOG', op: 'bisect' },
];

function exists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

function packedRefs(text: string | undefined): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const [sha = '', name = ''] = line.split(' ');
    if (SHA.test(sha)) refs.set(name, sha);
  }
  return refs;
}

/** Loose refs below `prefix` (recursively); `.lock` files are refs being written, not refs. */
function looseRefs(commonDir: string, prefix: string, into: Map<string, string>): void {
  let names: Array<{ name: string; isDirectory(): boolean }>;
  try {
    names = readdirSync(join(commonDir, prefix), { withFileTypes: true });
  } catch {
    return;
  }
  for (const d of names) {
    const ref = `${prefix}/${d.name}`;
    if (d.isDirectory()) looseRefs(commonDir, ref, into);
    else if (!d.name.endsWith('.lock')) {
      const sha = readText(join(commonDir, ref))?.trim() ?? '';
      if (SHA.test(sha)) into.set(ref, sha);
    }
  }
}

/** The stash reflog, newest first: `<old> <new> <ident> <time> <tz>\t<subject>` per line. */
function stashReflog(text: string | undefined): GitDirState['stashes'] {
  const out: GitDirState['stashes'] = [];
  for (const line of (text ?? '').split('\n')) {
    const tab = line.indexOf('\t');
    const sha = line.split(' ')[1] ?? '';
    if (SHA.test(sha)) out.push({ sha, subject: tab >= 0 ? line.slice(tab + 1) : '' });
  }
  return out.reverse();
}

/**
 * HEAD's commit read from the files (HEAD, then the loose ref or packed-refs), or undefined when they do not
 * say (a symbolic ref outside refs/, an unborn branch): the caller asks git then. Right after a commit of
 * gdnctl's own the branch's loose ref holds the new SHA.
 */
export async function headFromFiles(dirs: GitDirs): Promise<string | undefined> {
  const head = readText(join(dirs.gitDir, 'HEAD'))?.trim() ?? '';
  if (SHA.test(head)) return head;
  const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
  if (ref === undefined) return undefined;
  const loose = readText(join(dirs.commonDir, ref))?.trim() ?? '';
  if (SHA.test(loose)) return loose;
  const packed = packedRefs(readText(join(dirs.commonDir, 'packed-refs'))).get(ref);
  return packed;
}

export async function readGitDirState(dirs: GitDirs): Promise<GitDirState> {
  const { gitDir, commonDir } = dirs;
  const headText = readText(join(gitDir, 'HEAD'));
  const packed = packedRefs(readText(join(commonDir, 'packed-refs')));
  const stashLog = readText(join(commonDir, 'logs', 'refs', 'stash'));
  const looseStash = readText(join(commonDir, 'refs', 'stash'));
  const indexLock = exists(join(gitDir, 'index.lock'));
  const marks = OPERATION_MARKS.map((m) => exists(join(gitDir, m.path)));
  const loose = new Map<string, string>();
  for (const p of WATCHED) looseRefs(commonDir, p, loose);
  const found = new Map<string, string>();
  for (const [name, sha] of packed) if (WATCHED.some((p) => name.startsWith(`${p}/`))) found.set(name, sha);
  for (const [name, sha] of loose) found.set(name, sha);
  // In name order, as git lists them (readdir's order is the file system's).
  const refs = Object.fromEntries([...found].sort(([x], [y]) => (x < y ? -1 : 1)));
  const symbolic = /^ref: (\S+)/.exec(headText ?? '');
  // No refs/stash (a `git stash clear`) means no stash list, whatever a stale log file says.
  const hasStash = SHA.test(looseStash?.trim() ?? '') || packed.has('refs/stash');
  return {
    headRef: symbolic?.[1],
    refs,
    stashes: hasStash ? stashReflog(stashLog) : [],
    operation: OPERATION_MARKS.find((_, k) => marks[k])?.op,
    indexLock,
  };
}
