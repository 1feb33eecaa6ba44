import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { chmod, copyFile, lstat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * The run directory holds transcripts, outputs and state of a possibly shared machine: its files are 0600 and
 * its folders 0700 (the "Secrets"). `mode` only applies when a file or folder is created, and is masked
 * by the umask, which can only take bits away; copyFile keeps the source's mode, hence the chmod.
 */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export async function mkdirPrivate(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

/** Synchronous, as the ledger's writes (file-ledger.ts): small files, no thread-pool round trips. */
export async function writePrivate(file: string, text: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
  writeFileSync(file, text, { mode: FILE_MODE });
}

/** Temp file + rename: readers see the old or the new content, never half of it. */
export async function writePrivateAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writePrivate(tmp, text);
  renameSync(tmp, file);
}

export async function copyPrivate(from: string, to: string): Promise<void> {
  await mkdirPrivate(dirname(to));
  await copyFile(from, to);
  await chmod(to, FILE_MODE);
}

/**
 * Make a tree another program wrote (codex's own CODEX_HOME: sqlite logs, skills, locks, created with its
 * umask) private after the fact. Symlinks are left alone: chmod would follow them out of the tree.
 */
export async function sealTree(dir: string): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st || st.isSymbolicLink()) return;
  if (!st.isDirectory()) {
    if ((st.mode & 0o777) !== FILE_MODE) await chmod(dir, FILE_MODE).catch(() => undefined);
    return;
  }
  if ((st.mode & 0o777) !== DIR_MODE) await chmod(dir, DIR_MODE).catch(() => undefined);
  for (const name of await readdir(dir).catch(() => [] as string[])) await sealTree(join(dir, name));
}
