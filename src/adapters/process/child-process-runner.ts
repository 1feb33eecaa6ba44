import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { CommandRunner, ProcessResult, ProcessSpec } from '../../ports/process.js';
import type { Redactor } from '../../redact.js';
import { setLongTimeout, type LongTimer } from './long-timer.js';
import {
  isGroupAlive,
  isSameGroup,
  killGroupEscalating,
  signalGroup,
  trackGroup,
  untrackGroup,
  waitGroupGone,
  type KillSignal,
} from './process-group.js';

export interface ChildProcessRunnerOptions {
  /** Wait between SIGINT → SIGTERM → SIGKILL (the anchor waits 10 s, then 15 s). */
  killGraceMs?: number;
  /** Bytes of combined output kept for ProcessResult.tail. */
  tailBytes?: number;
  /** A line longer than this is handed to onLine in pieces, so a newline-free flood stays bounded. */
  maxLineChars?: number;
  /**
   * After the group is gone, how long to wait for the pipes to close. A descendant that left the group
   * (setsid, a daemon) can hold them open forever; after this the pipes are closed on our side.
   */
  stdioDrainMs?: number;
}

// A codex event carrying a command's whole output is one JSON line of many MB; split only beyond 32 MB.
const DEFAULTS = { killGraceMs: 10_000, tailBytes: 64 * 1024, maxLineChars: 32 * 1024 * 1024, stdioDrainMs: 2_000 };

/** Keeps the last `limit` bytes of a stream in O(limit) memory, whatever the total. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > 2 * this.limit) this.compact();
  }
  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const kept = all.subarray(Math.max(0, all.length - this.limit));
    this.chunks = [Buffer.from(kept)];
    this.size = kept.length;
  }
  toString(): string {
    this.compact();
    return this.chunks[0]?.toString('utf8') ?? '';
  }
}

/**
 * Splits a byte stream into lines (UTF-8 safe across chunk boundaries). A line longer than maxChars is handed
 * over in pieces; with a redactor, the pending text is redacted before a piece is cut off, and the last
 * `longest - 1` characters stay behind: a secret that straddles the cut is incomplete in the buffer, so it
 * starts within those characters and is redacted whole once the rest arrives.
 */
class LineSplitter {
  private decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly keep: number;
  constructor(
    private readonly maxChars: number,
    private readonly emit: (line: string) => void,
    private readonly redact?: Redactor,
  ) {
    this.keep = Math.min(Math.max(0, (redact?.longest ?? 0) - 1), Math.floor(maxChars / 2));
  }
  push(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk);
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.emit(p.endsWith('\r') ? p.slice(0, -1) : p);
    if (this.partial.length > this.maxChars && this.redact) this.partial = this.redact(this.partial);
    while (this.partial.length > this.maxChars) {
      const cut = Math.min(this.maxChars, this.partial.length - this.keep);
      this.emit(this.partial.slice(0, cut));
      this.partial = this.partial.slice(cut);
    }
  }
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest.length > 0) this.emit(rest);
  }
}

/**
 * The one place that spawns long-running children (agents, post-checks). Each child gets its own process
 * group so timeouts and Ctrl-C end the whole tree; output is streamed (never buffered whole) to onLine and the
 * tee file, with backpressure from the file so gigabytes of output cost a few KB of memory.
 */
export class ChildProcessRunner implements CommandRunner {
  private readonly opts: typeof DEFAULTS;
  constructor(options: ChildProcessRunnerOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
  }

  /**
   * End a group left by an earlier (killed) gdnctl. With leaderStartTime (processStartTime(pgid) recorded at
   * spawn), a pid that has since been reused by an unrelated process is left alone.
   */
  async killGroup(pgid: number, graceMs = this.opts.killGraceMs, leaderStartTime?: string): Promise<void> {
    if (leaderStartTime !== undefined && !isSameGroup(pgid, leaderStartTime)) return;
    await killGroupEscalating(pgid, graceMs);
  }

  async run(spec: ProcessSpec): Promise<ProcessResult> {
    const started = Date.now();
    const [file, ...args] = spec.argv;
    if (!file) throw new Error('ChildProcessRunner.run: empty argv');
    const tail = new TailBuffer(this.opts.tailBytes);
    const tee = spec.teeFile ? openTee(spec.teeFile) : undefined;

    // node:child_process directly, not execa: on the hot path execa cost ~45 ms of module loading before the
    // first agent and ~3 ms of option handling per spawn (docs/decisions.md "Issue 14 — spawning children").
    // The environment is merged over ours, as ProcessSpec promises (a key set to undefined is left out).
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: spec.cwd,
        env: spec.env ? { ...process.env, ...spec.env } : process.env,
        detached: true,
        stdio: [spec.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      // Arguments node refuses before any process exists (a NUL byte in an argument or the environment).
      tee?.end();
      return { exitCode: null, signal: null, timedOut: null, aborted: false, durationMs: Date.now() - started, tail: `could not start ${file}: ${(e as Error).message}\n` };
    }
    let spawnError: Error | undefined;
    let exited = false;
    const exitPromise = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal });
      });
      // Spawn failures (ENOENT, a bad cwd) emit 'error' without 'exit'; nothing else here can raise one (groups
      // are signalled with process.kill, never child.kill).
      child.on('error', (e) => {
        if (child.pid !== undefined || exited) return;
        exited = true;
        spawnError = e;
        resolve({ code: null, signal: null });
      });
    });
    const closed = stdioClosed(child);
    if (spec.stdin !== undefined && child.stdin) {
      // A child that exits without reading its input closes the pipe: EPIPE is its business, not an error here.
      child.stdin.on('error', () => undefined);
      child.stdin.end(spec.stdin);
    }
    const pgid = child.pid;
    if (pgid !== undefined) {
      trackGroup(pgid);
      spec.onSpawn?.(pgid);
    }

    let timedOut: ProcessResult['timedOut'] = null;
    let aborted = false;
    let killing: Promise<void> | undefined;
    const stopAll = (reason: 'wall' | 'idle' | 'abort'): void => {
      if (killing || exited || pgid === undefined) return;
      if (reason === 'abort') aborted = true;
      else timedOut = reason;
      killing = this.escalate(pgid, exitPromise);
    };

    // Long timers: a limit beyond Node's 24.8-day timer range must not fire at once (long-timer.ts).
    let idleTimer: LongTimer | undefined;
    const armIdle = (): void => {
      if (!spec.idleTimeoutMs) return;
      if (idleTimer) idleTimer.refresh();
      else idleTimer = setLongTimeout(() => stopAll('idle'), spec.idleTimeoutMs);
    };
    armIdle();
    const wallTimer = spec.timeoutMs ? setLongTimeout(() => stopAll('wall'), spec.timeoutMs) : undefined;
    const onAbort = (): void => stopAll('abort');
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });

    const streams = [
      { name: 'stdout' as const, stream: child.stdout },
      { name: 'stderr' as const, stream: child.stderr },
    ];
    let waitingForDrain = false;
    for (const { name, stream } of streams) {
      if (!stream) continue;
      const lines = new LineSplitter(this.opts.maxLineChars, (line) => spec.onLine?.(line, name), spec.redact);
      stream.on('data', (chunk: Buffer) => {
        armIdle();
        tail.push(chunk);
        lines.push(chunk);
        if (tee && !tee.write(chunk) && !waitingForDrain) {
          // Backpressure: stop reading until the file catches up, so memory stays bounded.
          waitingForDrain = true;
          for (const s of streams) s.stream?.pause();
          tee.once('drain', () => {
            waitingForDrain = false;
            armIdle();
            for (const s of streams) s.stream?.resume();
          });
        }
      });
      stream.on('end', () => lines.end());
    }

    const { code, signal } = await exitPromise;
    // The leader is gone; anything it left in its group (background jobs, a native child) would keep our
    // pipes open and outlive the run, so end it too. Start at SIGTERM: bash runs background jobs with SIGINT
    // ignored, so a SIGINT would only cost the grace period.
    if (pgid !== undefined && !killing && isGroupAlive(pgid)) {
      killing = killGroupEscalating(pgid, this.opts.killGraceMs, ['SIGTERM', 'SIGKILL']);
    }
    if (killing) await killing;
    const drained = await Promise.race([closed.then(() => true), delay(this.opts.stdioDrainMs).then(() => false)]);
    if (!drained) {
      child.stdout?.destroy();
      child.stderr?.destroy();
      await Promise.race([closed, delay(this.opts.stdioDrainMs)]);
    }
    if (pgid !== undefined) untrackGroup(pgid);
    // A spawn failure (missing binary, bad cwd) has no exit code; say why in the tail.
    if (spawnError) tail.push(Buffer.from(`could not start ${file}${spec.cwd ? ` in ${spec.cwd}` : ''}: ${spawnError.message}\n`));
    idleTimer?.clear();
    wallTimer?.clear();
    spec.signal?.removeEventListener('abort', onAbort);
    if (tee) await new Promise<void>((resolve) => tee.end(resolve));

    return {
      exitCode: code,
      signal,
      timedOut,
      aborted,
      durationMs: Date.now() - started,
      tail: tail.toString(),
    };
  }

  /** SIGINT → SIGTERM → SIGKILL to the group, waiting on our child's exit event between steps. */
  private async escalate(pgid: number, exit: Promise<unknown>): Promise<void> {
    const grace = this.opts.killGraceMs;
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as KillSignal[]) {
      if (!signalGroup(pgid, sig)) return;
      if (sig === 'SIGKILL') break;
      const deadline = Date.now() + grace;
      const leaderGone = await Promise.race([exit.then(() => true), delay(grace).then(() => false)]);
      // The leader can exit on SIGINT while a descendant ignores it; spend the rest of the grace on the group.
      if (leaderGone && (await waitGroupGone(pgid, Math.max(0, deadline - Date.now())))) return;
    }
    await exit;
    await waitGroupGone(pgid, 5_000);
  }
}

/** Resolves once the child's stdout and stderr are closed ('close'), or at once when it never started. */
function stdioClosed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.on('error', () => {
      if (child.pid === undefined) resolve();
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function openTee(path: string): WriteStream {
  mkdirSync(dirname(path), { recursive: true });
  return createWriteStream(path, { flags: 'a' });
}
