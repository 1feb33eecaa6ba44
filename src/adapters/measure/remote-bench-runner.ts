/**
 * The benchmark on the TPU's workers: all of them start it together (a multi-host JAX program needs every host),
 * in the tree the measurer names, with the TPU's environment. The metric is worker 0's; every worker's exit code
 * and output tail go into the sample, so the ledger keeps them. Workers that print different numbers are not an
 * error; a worker that fails or cannot be reached fails the run.
 */
import type { BenchRunner, BenchSample, WorkerRun } from '../../ports/bench.js';
import type { RemoteRunResult } from '../../ports/remote.js';
import { outputTail, readMetric, type MetricSpec } from '../../core/metric.js';
import { tpuBusyLine } from '../../core/tpu-busy.js';
import type { RemoteBenchTarget } from './remote-target.js';
import { setLongTimeout } from '../process/long-timer.js';

export interface RemoteBenchRunnerOptions {
  target: RemoteBenchTarget;
  command: string;
  /** How the metric is read, for the held node's accelerator type (its chips and peak give `mfu`). */
  metric: (acceleratorType: string | undefined) => MetricSpec;
  timeoutMs: number;
}

function workerRuns(results: readonly RemoteRunResult[], metric: MetricSpec): WorkerRun[] {
  return results.map((r) => {
    const reading = readMetric(r.output, metric);
    return {
      worker: r.worker,
      host: r.host,
      exitCode: r.exitCode,
      unreachable: r.unreachable,
      ...(reading.ok ? { value: reading.value } : {}),
      tail: outputTail(r.output),
    };
  });
}

/** Why the run gave no sample, in order: interrupted, timed out, chips busy, a worker unreachable or failing, no metric. */
function failureOf(results: readonly RemoteRunResult[], metric: MetricSpec, how: { aborted: boolean; timedOut: boolean; timeoutMs: number }): Omit<Extract<BenchSample, { ok: false }>, 'workers'> | undefined {
  const w0 = results.find((r) => r.worker === 0) ?? results[0];
  const tail = outputTail(w0?.output ?? '');
  if (how.aborted) return { ok: false, reason: 'benchmark interrupted', tail };
  if (how.timedOut) return { ok: false, reason: `benchmark timed out after ${Math.round(how.timeoutMs / 1000)} s`, tail };
  for (const r of results) {
    const busy = tpuBusyLine(r.output);
    if (busy) return { ok: false, reason: `tpu-busy: another process owns the chips of worker ${r.worker} (${busy})`, tail: outputTail(r.output), kind: 'tpu-busy' };
  }
  const down = results.find((r) => r.unreachable);
  if (down) return { ok: false, reason: `worker ${down.worker}${down.host ? ` (${down.host})` : ''} unreachable after ${down.attempts ?? '?'} attempts`, tail: outputTail(down.output) };
  const bad = [...results].sort((a, b) => a.worker - b.worker).find((r) => r.exitCode !== 0);
  if (bad) return { ok: false, reason: `benchmark exited with ${bad.exitCode ?? 'a signal'}${bad.worker === 0 ? '' : ` on worker ${bad.worker}`}`, tail: outputTail(bad.output) };
  const reading = readMetric(w0?.output ?? '', metric);
  return reading.ok ? undefined : { ok: false, reason: reading.reason, tail: reading.tail };
}

export function remoteBenchRunner(o: RemoteBenchRunnerOptions): BenchRunner {
  return {
    async run(cwd, signal): Promise<BenchSample> {
      const setup = o.target.setupFailure(cwd);
      if (setup) return { ok: false, reason: setup.reason, tail: setup.tail };
      if (signal?.aborted) return { ok: false, reason: 'benchmark interrupted', tail: '' };
      // One controller for both ways a run ends early: the caller's abort and the bench timeout. Cancelling
      // ends the local ssh, and the remote watcher then kills the command's process group (ssh-remote.ts).
      const ac = new AbortController();
      let timedOut = false;
      // --bench-timeout-seconds may pass Node's 24.8-day timer limit (long-timer.ts).
      const timer = setLongTimeout(() => {
        timedOut = true;
        ac.abort();
      }, o.timeoutMs);
      const onAbort = (): void => ac.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const started = Date.now();
      try {
        const results = await o.target.runIn(cwd, o.command, { signal: ac.signal });
        const durationMs = Date.now() - started;
        const metric = o.metric((await o.target.location(signal)).node?.acceleratorType || undefined);
        const workers = workerRuns(results, metric);
        const failed = failureOf(results, metric, { aborted: signal?.aborted === true, timedOut, timeoutMs: o.timeoutMs });
        if (failed) return { ...failed, workers };
        return { ok: true, value: workers.find((w) => w.worker === 0)?.value ?? workers[0]!.value!, durationMs, workers };
      } finally {
        timer.clear();
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
