import type { Clock } from '../../ports/clock.js';
import type { CommandRunner } from '../../ports/process.js';
import type { TpuNode } from '../../ports/tpu.js';
import { childEnv } from '../child-env.js';

export interface PostCheckInput {
  runner: CommandRunner;
  clock: Clock;
  checks: string[];
  retries: number;
  retrySleepMs: number;
  cwd: string;
  /** GDNCTL_* variables (docs/architecture.md "What post-checks see"); the rest of the environment is inherited. */
  env: NodeJS.ProcessEnv;
  binDir: string;
  signal: AbortSignal;
  echo: (line: string) => void;
  /** Receives check K's (1-based) full output once it finished. */
  saveLog: (k: number, text: string) => Promise<void>;
}

/**
 * docs/architecture.md "What post-checks see": the loop's environment without test-runner variables (child-env.ts), the
 * iteration's GDNCTL_* values and, while a TPU is held, the node's address.
 */
export function postCheckEnv(
  base: NodeJS.ProcessEnv,
  it: { iteration: number; runDir: string; iterDir: string; commit: string },
  node: TpuNode | undefined,
): NodeJS.ProcessEnv {
  return {
    ...childEnv(base),
    GDNCTL_ITERATION: String(it.iteration),
    GDNCTL_RUN_DIR: it.runDir,
    GDNCTL_ITER_DIR: it.iterDir,
    GDNCTL_COMMIT: it.commit,
    ...(node ? { GDNCTL_TPU_PROJECT: node.project, GDNCTL_TPU_ZONE: node.zone, GDNCTL_TPU_CLUSTER: node.cluster, GDNCTL_TPU_NAME: node.name } : {}),
  };
}

/** durationMs: the phase's wall time; processMs: the checks' own run time. */
export type PostCheckResult =
  | { ok: true; durationMs: number; processMs: number }
  | { ok: false; index: number; command: string; exitCode: number | null; detail: string; durationMs: number; processMs: number; sameFailure: boolean };

/**
 * A check's output for its log file, bounded: the first and the last `halfChars` characters are kept, the
 * middle of a flood is dropped with a marker (the terminal still saw every line).
 */
export class BoundedLines {
  private head: string[] = [];
  private headChars = 0;
  private tail: string[] = [];
  private tailChars = 0;
  private tailStart = 0;
  private dropped = 0;
  constructor(private readonly halfChars = 4 * 1024 * 1024) {}
  push(line: string): void {
    if (this.headChars + line.length <= this.halfChars && this.tail.length === 0) {
      this.head.push(line);
      this.headChars += line.length + 1;
      return;
    }
    this.tail.push(line);
    this.tailChars += line.length + 1;
    // An index instead of shift(): dropping from the front of a big array must not cost O(n) per line.
    while (this.tailChars > this.halfChars && this.tail.length - this.tailStart > 1) {
      this.tailChars -= this.tail[this.tailStart++]!.length + 1;
      this.dropped += 1;
    }
    if (this.tailStart > 4096 && this.tailStart * 2 > this.tail.length) {
      this.tail = this.tail.slice(this.tailStart);
      this.tailStart = 0;
    }
  }
  text(): string {
    const mid = this.dropped > 0 ? [`[… ${this.dropped} lines dropped from this log …]`] : [];
    return [...this.head, ...mid, ...this.tail.slice(this.tailStart)].join('\n');
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * `bash -lc` sources /etc/profile, which on Debian resets PATH; re-export our bin folder first inside the
 * command itself so `gdnctl …` post-checks run this very gdnctl.
 */
export function postCheckArgv(command: string, binDir: string): string[] {
  return ['bash', '-lc', `export PATH=${shellQuote(binDir)}:"$PATH"\n${command}`];
}

/** A failure's fingerprint: exit code plus the last lines with digits blanked (timings, pids, addresses vary). */
function failureSignature(exitCode: number | null, tail: string): string {
  const last = tail.split('\n').slice(-20).join('\n').replace(/\d+/g, '#');
  return `${exitCode}\n${last}`;
}

/**
 * Run the checks in order; each gets --post-check-retries extra attempts; the first that still fails stops the
 * sequence. A check that fails the same way twice in a row is a real failure: retrying stops there.
 */
export async function runPostChecks(p: PostCheckInput): Promise<PostCheckResult> {
  const started = p.clock.now();
  let processMs = 0;
  for (const [idx, command] of p.checks.entries()) {
    const k = idx + 1;
    let previous: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const lines = new BoundedLines();
      p.echo(`$ ${command}${attempt > 1 ? `   (attempt ${attempt})` : ''}`);
      const r = await p.runner.run({
        argv: postCheckArgv(command, p.binDir),
        cwd: p.cwd,
        env: p.env,
        signal: p.signal,
        onLine: (line) => {
          lines.push(line);
          p.echo(line);
        },
      });
      processMs += r.durationMs;
      await p.saveLog(k, `$ ${command}\n${lines.text()}\n# exit ${r.exitCode ?? r.signal}\n`);
      if (r.exitCode === 0) break;
      if (p.signal.aborted) {
        return { ok: false, index: k, command, exitCode: r.exitCode, detail: 'interrupted', durationMs: p.clock.now() - started, processMs, sameFailure: false };
      }
      const sig = failureSignature(r.exitCode, r.tail || lines.text().slice(-8192));
      const sameFailure = previous === sig;
      if (attempt > p.retries || sameFailure) {
        const why = sameFailure ? ' (failed the same way twice)' : '';
        return {
          ok: false,
          index: k,
          command,
          exitCode: r.exitCode,
          detail: `post-check ${k} "${command}" exited ${r.exitCode ?? r.signal}${why}`,
          durationMs: p.clock.now() - started,
          processMs,
          sameFailure,
        };
      }
      previous = sig;
      await p.clock.sleep(p.retrySleepMs, p.signal).catch(() => undefined);
    }
  }
  return { ok: true, durationMs: p.clock.now() - started, processMs };
}
