import { childEnv } from '../../core/child-env.js';
import { execa } from 'execa';
import { gdnctlBinDir } from '../../package-root.js';
import { setLongTimeout } from '../process/long-timer.js';
import { trackGroup, untrackGroup } from '../process/process-group.js';
import { readMetric, type MetricReading, type MetricSpec } from '../../core/metric.js';
import type { BenchRunner, BenchSample } from '../../ports/bench.js';

export interface BenchRun {
  reading: MetricReading;
  exitCode: number | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

export interface BenchRunOptions {
  command: string;
  cwd: string;
  metric: MetricSpec;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Grace between SIGTERM and SIGKILL of the benchmark's process group. */
  killGraceMs?: number;
}

/** One run of a command with its metric read; `gdnctl init` uses it directly for its two checks. */
export type RunBench = (opts: BenchRunOptions) => Promise<BenchRun>;

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Runs the benchmark as `bash -lc` in its own process group. A login shell picks up the user's profile
 * (conda, uv), but Debian's /etc/profile resets PATH, so the caller's PATH (with gdnctl's bin first) is
 * exported again inside the shell. On timeout or abort the whole group gets SIGTERM then SIGKILL: execa 9
 * only signals the direct child, and a benchmark shell usually forks the real work.
 */
export const execaBenchRunner: RunBench = async (o) => {
  const path = `${gdnctlBinDir()}:${o.env?.PATH ?? process.env.PATH ?? ''}`;
  const script = `export PATH=${quote(path)}; ${o.command}`;
  const started = Date.now();
  const child = execa('bash', ['-lc', script], {
    cwd: o.cwd,
    env: childEnv({ ...process.env, ...o.env }),
    extendEnv: false,
    all: true,
    reject: false,
    detached: true,
    stdin: 'ignore',
    maxBuffer: 64 * 1024 * 1024,
  });
  // Recorded with the run's other children, so a resume ends a bench a killed gdnctl left (process-group.ts).
  const pgid = child.pid;
  if (pgid !== undefined) trackGroup(pgid);
  let timedOut = false;
  let aborted = false;
  const stop = (why: 'timeout' | 'abort'): void => {
    if (why === 'timeout') timedOut = true;
    else aborted = true;
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), o.killGraceMs ?? 5000).unref();
  };
  // --bench-timeout-seconds may pass Node's 24.8-day timer limit (long-timer.ts).
  const timer = setLongTimeout(() => stop('timeout'), o.timeoutMs);
  const onAbort = (): void => stop('abort');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  try {
    const r = await child;
    const output = typeof r.all === 'string' ? r.all : '';
    const durationMs = Date.now() - started;
    const exitCode = r.exitCode ?? null;
    let reading = readMetric(output, o.metric);
    if (timedOut) reading = { ok: false, reason: `benchmark timed out after ${Math.round(o.timeoutMs / 1000)} s`, tail: reading.ok ? '' : reading.tail };
    else if (aborted) reading = { ok: false, reason: 'benchmark interrupted', tail: reading.ok ? '' : reading.tail };
    else if (exitCode !== 0) {
      const tail = output.split('\n').slice(-30).join('\n');
      reading = { ok: false, reason: `benchmark exited with ${exitCode ?? r.signal}`, tail };
    }
    return { reading, exitCode, timedOut, aborted, durationMs };
  } finally {
    timer.clear();
    if (pgid !== undefined) untrackGroup(pgid);
    o.signal?.removeEventListener('abort', onAbort);
  }
};

/** The measurer's bench runner: the configured command, metric and timeout, one sample per call. */
export function createBenchRunner(o: {
  command: string;
  metric: MetricSpec;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** The process behind each run (execaBenchRunner; a test may count or wrap it). */
  exec?: RunBench;
}): BenchRunner {
  const exec = o.exec ?? execaBenchRunner;
  return {
    async run(cwd, signal): Promise<BenchSample> {
      const r = await exec({ command: o.command, cwd, metric: o.metric, timeoutMs: o.timeoutMs, env: o.env, signal });
      return r.reading.ok ? { ok: true, value: r.reading.value, durationMs: r.durationMs } : { ok: false, reason: r.reading.reason, tail: r.reading.tail };
    },
  };
}
