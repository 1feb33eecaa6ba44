/**
 * Files the operator names (--prompt-file, --directive-file, gdnctl.yaml, --log-file, presets) are checked
 * before they are opened: open() on a FIFO blocks until a writer comes, in a libuv thread a signal cannot
 * reach, so gdnctl would hang and ignore SIGTERM; a character device such as /dev/zero never ends. stat()
 * follows symlinks, so a link to a regular file is fine.
 */
import { lstatSync, statSync, type Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';

function specialKind(s: Stats): string | undefined {
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return undefined;
}

/** What `path` is when it is neither a regular file nor a folder; undefined otherwise (missing included: the read says so). */
export async function specialFileKind(path: string): Promise<string | undefined> {
  try {
    return specialKind(await stat(path));
  } catch {
    return undefined;
  }
}

export function specialFileKindSync(path: string): string | undefined {
  try {
    return specialKind(statSync(path));
  } catch {
    return undefined;
  }
}

/** `path` is a symbolic link whose target does not exist (stat fails, lstat does not). */
export function isDanglingSymlinkSync(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && !existsFollowing(path);
  } catch {
    return false;
  }
}

export async function isDanglingSymlink(path: string): Promise<boolean> {
  try {
    if (!(await lstat(path)).isSymbolicLink()) return false;
  } catch {
    return false;
  }
  return !existsFollowing(path);
}

function existsFollowing(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Throw a UsageError (exit 2) when `file` is a special file: `<named> is a named pipe (FIFO), not a regular
 * file; <fix>`. `named` says what the file is ("prompt file /x"); `fix` how to point gdnctl elsewhere.
 */
export async function refuseSpecialFile(file: string, named: string, fix: string): Promise<void> {
  const kind = await specialFileKind(file);
  if (kind) throw new UsageError(`${named} is ${kind}, not a regular file; ${fix}`);
}

export function refuseSpecialFileSync(file: string, named: string, fix: string): void {
  const kind = specialFileKindSync(file);
  if (kind) throw new UsageError(`${named} is ${kind}, not a regular file; ${fix}`);
}
