import { readdir } from 'node:fs/promises';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunFiles } from '../../ports/bench.js';
import { copyPrivate, writePrivate, writePrivateAtomic } from './private-files.js';

const missing = (e: NodeJS.ErrnoException): undefined => {
  if (e.code === 'ENOENT') return undefined;
  throw e;
};

/** The run directory's files as private files (0600 in 0700 folders, private-files.ts). */
export const privateRunFiles: RunFiles = {
  // Synchronous, as the writes (private-files.ts): the memory reads a few small files per iteration.
  read: async (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      return missing(e as NodeJS.ErrnoException);
    }
  },
  exists: async (path) => existsSync(path),
  write: writePrivate,
  append: async (path, text) => {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    appendFileSync(path, text, { mode: 0o600 });
  },
  writeAtomic: writePrivateAtomic,
  copy: copyPrivate,
  list: async (dir) => (await readdir(dir).catch(missing)) ?? [],
};
