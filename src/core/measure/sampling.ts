/**
 * How one side's benchmark runs become samples, before the statistics see them:
 *
 *   run ─▶ warm-up left? ─yes─▶ recorded, excluded, run again
 *     └─▶ chips busy (tpu-busy)? ─yes, retries left─▶ wait, run again ─no retries left─▶ the sample fails, tpu-busy
 *     └─▶ the sample (ok or failed), recorded
 *
 * Every run, warm-up or not, lands in the SampleLog (bench-samples.jsonl on the TPU), with what each worker
 * printed, so a decision can be checked afterwards. A decision measured again after a preemption marks its
 * earlier runs as discarded rather than dropping them.
 */
import type { BenchFailureKind, BenchSample, WorkerRun } from '../../ports/bench.js';

export type SampleSide = 'champion' | 'candidate' | 'baseline';

/** N measured runs of one folder (a baseline, a re-measured champion), or why they stopped. */
export type Runs = { ok: true; values: number[]; durationsMs: number[]; warmupValues: number[] } | { ok: false; reason: string };

export interface SampleLogEntry {
  side: SampleSide;
  /** 1-based among the side's measured runs (warm-ups count separately). */
  n: number;
  warmup: boolean;
  /** Which measurement of the decision: 2 after one preemption. */
  attempt: number;
  ok: boolean;
  value?: number;
  reason?: string;
  kind?: BenchFailureKind;
  durationMs?: number;
  workers?: WorkerRun[];
  /** Measured before a preemption: kept for the record, not used. */
  discarded?: boolean;
}

export class SampleLog {
  readonly entries: SampleLogEntry[] = [];

  add(e: SampleLogEntry): void {
    this.entries.push(e);
  }

  discard(attempt: number): void {
    for (const e of this.entries) if (e.attempt === attempt) e.discarded = true;
  }

  warmups(): Array<{ side: SampleSide; attempt: number; value?: number; reason?: string }> {
    return this.entries
      .filter((e) => e.warmup)
      .map((e) => ({ side: e.side, attempt: e.attempt, ...(e.ok ? { value: e.value! } : { reason: e.reason! }) }));
  }

  toJsonl(): string {
    return this.entries.map((e) => JSON.stringify(e)).join('\n') + (this.entries.length > 0 ? '\n' : '');
  }
}

export interface SideSamplerOptions {
  side: SampleSide;
  attempt: number;
  run: () => Promise<BenchSample>;
  /** Runs recorded and excluded before the first measured one. */
  warmups: number;
  log: SampleLog;
  /** Runs again after a tpu-busy failure, at most this many times per sample. */
  busyRetries: number;
  wait: () => Promise<void>;
  onLine?: (msg: string) => void;
}

/** The side's runs as samples: warm-ups first (a failed warm-up fails the sample), tpu-busy retried. */
export function sideSampler(o: SideSamplerOptions): () => Promise<BenchSample> {
  let warmupsLeft = o.warmups;
  let warmupN = 0;
  let n = 0;
  const record = (r: BenchSample, warmup: boolean, index: number): void => {
    o.log.add({
      side: o.side,
      n: index,
      warmup,
      attempt: o.attempt,
      ok: r.ok,
      ...(r.ok ? { value: r.value, durationMs: r.durationMs } : { reason: r.reason, ...(r.kind ? { kind: r.kind } : {}) }),
      ...(r.workers ? { workers: r.workers } : {}),
    });
  };
  const once = async (warmup: boolean, index: number): Promise<BenchSample> => {
    for (let busy = 0; ; busy++) {
      const r = await o.run();
      record(r, warmup, index);
      if (r.ok || r.kind !== 'tpu-busy' || busy >= o.busyRetries) return r;
      o.onLine?.(`${o.side} run: the TPU is busy (${r.reason}); trying again`);
      await o.wait();
    }
  };
  return async () => {
    while (warmupsLeft > 0) {
      warmupsLeft--;
      const w = await once(true, ++warmupN);
      if (!w.ok) return { ...w, reason: `warm-up: ${w.reason}` };
      o.onLine?.(`${o.side} warm-up ${warmupN}/${o.warmups}: ${w.value} (excluded)`);
    }
    return once(false, ++n);
  };
}
