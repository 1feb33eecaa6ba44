/**
 * One gdnctl loop per repository worktree: an exclusive lock file holding {pid, host, startedAt, command},
 * created atomically and complete (temp file + link(), which fails if the lock exists; O_EXCL as fallback).
 *
 * A holder that is alive refuses the second loop (UsageError, exit 2, naming pid and host). A holder on this
 * host whose process is gone (kill(pid, 0) → ESRCH, or the pid now belongs to a process that started later)
 * is taken over with a warning. A holder on another host cannot be probed and is treated as alive.
 *
 * The file lives in the worktree's git dir (`git rev-parse --git-dir`), not in the log dir: two invocations
 * with different --log-dir values must still see each other (docs/decisions.md).
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { randomHex } from '../core/text/random-hex.js';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { UsageError } from '../errors.js';
import { isProcessAlive, processStartTime } from './process/liveness.js';

export interface RunLockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** Linux /proc start time of the holder (clock ticks since boot), to detect a reused pid. */
  procStart?: number;
}

export interface RunLockOptions {
  /** The lock file, e.g. `<git-dir>/gdnctl-loop.lock` (see `runLockPath`). */
  file: string;
  /** What is running, for the message another loop shows (e.g. "gdnctl codex-loop --iterations 10"). */
  command: string;
  /** Tests only: who we claim to be. */
  pid?: number;
  host?: string;
  /** How long to wait for a holder that has created but not yet written the file. Default 200 ms. */
  writeGraceMs?: number;
  /** Give up racing other takers after this long. Default 5000 ms. */
  raceTimeoutMs?: number;
  /** A `.takeover` mutex older than this was left by a crashed taker. Default 10000 ms. */
  takeoverStaleMs?: number;
}

export interface AcquiredRunLock {
  readonly file: string;
  readonly info: RunLockInfo;
  /** Set when a stale lock was taken over. */
  readonly warning?: string;
  /** Remove the file if it is still ours. Returns whether it was removed. */
  release(): Promise<boolean>;
  /** Same, synchronously, for process 'exit' handlers. */
  releaseSync(): boolean;
}

/** Where the loop's lock lives for a worktree whose git dir is `gitDir`. */
export function runLockPath(gitDir: string): string {
  return `${gitDir.replace(/\/+$/, '')}/gdnctl-loop.lock`;
}

/** Start time of a process from /proc (Linux) as a number, or undefined elsewhere or when it is gone. */
export function processStartTicks(pid: number): number | undefined {
  const ticks = Number(processStartTime(pid));
  return Number.isFinite(ticks) ? ticks : undefined;
}

/** The lock's holder still runs (and is the process that took it: pid-reuse guard on the recorded start). */
function isAlive(info: RunLockInfo): boolean {
  return isProcessAlive(info.pid, info.procStart);
}

function parseInfo(text: string): RunLockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<RunLockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') {
      return { pid: v.pid, host: v.host, startedAt: String(v.startedAt ?? '?'), command: String(v.command ?? '?'), procStart: v.procStart };
    }
  } catch {
    // fall through
  }
  return undefined;
}

async function readHolder(file: string, graceMs: number): Promise<{ text: string; info?: RunLockInfo } | undefined> {
  // The holder creates the file, then writes it: an empty or partial file may be a lock being born.
  const deadline = Date.now() + graceMs;
  for (;;) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const info = parseInfo(text);
    if (info || Date.now() >= deadline) return { text, info };
    await new Promise((r) => setTimeout(r, 20));
  }
}

function describe(info: RunLockInfo): string {
  return `pid ${info.pid} on host ${info.host}, started ${info.startedAt}: ${info.command}`;
}

export async function acquireRunLock(opts: RunLockOptions): Promise<AcquiredRunLock> {
  const pid = opts.pid ?? process.pid;
  const me: RunLockInfo = {
    pid,
    host: opts.host ?? hostname(),
    startedAt: new Date().toISOString(),
    command: opts.command,
    procStart: processStartTicks(pid),
  };
  const body = `${JSON.stringify(me)}\n`;

  const deadline = Date.now() + (opts.raceTimeoutMs ?? 5000);
  while (Date.now() < deadline) {
    if (await createExclusive(opts.file, body)) return makeLock(opts.file, me, body, undefined);
    const holder = await readHolder(opts.file, opts.writeGraceMs ?? 200);
    if (!holder) continue; // released meanwhile: try again
    const { info } = holder;
    if (info && info.host !== me.host) {
      throw new UsageError(
        `another gdnctl loop (${describe(info)}) holds ${opts.file}; wait for it or stop it on ${info.host} ` +
          `(if that host no longer runs it, delete the file)`,
      );
    }
    if (info && isAlive(info)) {
      throw new UsageError(`another gdnctl loop (${describe(info)}) holds ${opts.file}; wait for it or stop it (kill ${info.pid})`);
    }
    const outcome = await replaceIfUnchanged(opts.file, holder.text, body, opts.takeoverStaleMs ?? 10_000);
    if (outcome === 'replaced') {
      const warning = info
        ? `took over a stale gdnctl lock ${opts.file}: its holder (${describe(info)}) is gone`
        : `took over an unreadable gdnctl lock ${opts.file}`;
      return makeLock(opts.file, me, body, warning);
    }
    if (outcome === 'busy') await new Promise((r) => setTimeout(r, 20));
  }
  throw new UsageError(`could not take the gdnctl lock ${opts.file}: other loops keep racing for it; try again`);
}

/**
 * A private temp file beside `file` holding `body`: what link() or rename() then puts in place whole. Not synced:
 * the lock excludes live processes, which share one page cache, and after an OS crash no holder is alive; a lock
 * file an OS crash left empty is taken over as unreadable (an fsync cost 1-11 ms before the first agent).
 */
async function writeTemp(file: string, body: string): Promise<string> {
  const tmp = `${file}.${process.pid}.${randomHex(8)}.tmp`;
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(body);
  } finally {
    await fh.close();
  }
  return tmp;
}

/**
 * Create `file` holding `body`, failing (false) if it exists. The body is written to a private temp file and
 * hard-linked into place, so the lock never exists half-written: a reader sees all of it or nothing. Where
 * hard links are unsupported, falls back to open(O_EXCL) + write (readers then allow `writeGraceMs`).
 */
async function createExclusive(file: string, body: string): Promise<boolean> {
  const tmp = await writeTemp(file, body);
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  try {
    const direct = await open(file, 'wx', 0o644);
    try {
      await direct.writeFile(body);
    } finally {
      await direct.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Replace a stale lock by ours, but only if it is still the stale one we read. The replacement is one rename(), so
 * the lock file never disappears: a loop starting meanwhile sees the stale lock or ours, never a gap to create its
 * own in (the taker that proved the holder dead is the one that gets the lock, and says so). Takers serialise on a
 * second file (`<lock>.takeover`, O_EXCL): without it, a slow taker could replace the FRESH lock a faster taker
 * just wrote from the same stale reading. A `.takeover` file older than `takeoverStaleMs` was left by a taker that
 * died mid-way (the critical section takes milliseconds) and is removed.
 * Returns 'replaced', 'changed' (someone else already dealt with it) or 'busy' (another taker is at work).
 */
async function replaceIfUnchanged(file: string, staleText: string, body: string, takeoverStaleMs: number): Promise<'replaced' | 'changed' | 'busy'> {
  const mutex = `${file}.takeover`;
  try {
    await (await open(mutex, 'wx')).close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const age = await stat(mutex).then((st) => Date.now() - st.mtimeMs).catch(() => 0);
    if (age > takeoverStaleMs) await unlink(mutex).catch(() => undefined);
    return 'busy';
  }
  let tmp: string | undefined;
  try {
    const now = await readFile(file, 'utf8').catch(() => undefined);
    if (now !== staleText) return 'changed';
    tmp = await writeTemp(file, body);
    await rename(tmp, file);
    return 'replaced';
  } finally {
    if (tmp !== undefined) await unlink(tmp).catch(() => undefined);
    await unlink(mutex).catch(() => undefined);
  }
}

function makeLock(file: string, info: RunLockInfo, body: string, warning: string | undefined): AcquiredRunLock {
  return {
    file,
    info,
    warning,
    async release() {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text !== body) return false; // taken over by someone else after we were declared dead
      await unlink(file).catch(() => undefined);
      return true;
    },
    releaseSync() {
      let text: string | undefined;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return false;
      }
      if (text !== body) return false;
      try {
        unlinkSync(file);
      } catch {
        return false;
      }
      return true;
    },
  };
}
