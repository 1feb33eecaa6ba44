import { constants } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { UsageError } from '../exit-codes.js';

/**
 * Stand-in for the git helper's src/adapters/run-lock.ts (swap when it lands): one loop per repository.
 * O_EXCL creation makes taking the lock atomic; a holder whose pid is gone on this host is stale and taken over.
 */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LoopLock {
  release(): Promise<void>;
}

export async function takeLoopLock(file: string, warn: (m: string) => void): Promise<LoopLock> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await fh.writeFile(JSON.stringify(me) + '\n');
      await fh.close();
      return {
        release: async () => {
          await unlink(file).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: LockHolder | undefined;
    try {
      holder = JSON.parse(await readFile(file, 'utf8')) as LockHolder;
    } catch {
      holder = undefined;
    }
    if (holder && (holder.host !== me.host || isAlive(holder.pid))) {
      throw new UsageError(
        `another codex-loop is running on this repository (pid ${holder.pid} on host ${holder.host}, since ${holder.startedAt}); wait for it, stop it, or use another clone`,
      );
    }
    warn(`taking over a stale loop lock${holder ? ` (pid ${holder.pid} on ${holder.host} is gone)` : ' (unreadable lock file)'}`);
    await unlink(file).catch(() => undefined);
  }
  throw new UsageError(`could not take the loop lock ${file}; remove it if no loop is running`);
}
