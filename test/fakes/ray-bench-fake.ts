/**
 * An in-memory RayBench: each tree's metric comes from a table by commit; passes test/contract/ray-bench-contract.ts
 * beside the real one. A commit mapped to "crash" fails its runs as a benchmark exiting 3 would.
 */
import type { RayBench, RayBenchBatchInput, RayBenchBatchResult, RayBenchSidesInput, RayFinalistSide } from '../../src/ports/ray.js';

export class FakeRayBench implements RayBench {
  readonly batches: RayBenchBatchInput[] = [];
  private next = 1;

  constructor(private readonly metricOf: Record<string, number | 'crash'>) {}

  label(): string {
    return 'fake Ray cluster';
  }

  async runBatch(input: RayBenchBatchInput): Promise<RayBenchBatchResult> {
    this.batches.push(input);
    const submissionId = `fake-bench-${this.next++}`;
    if (input.signal?.aborted) return { submissionId, reattached: false, samples: [], failure: { reason: 'benchmark interrupted', tail: '' } };
    const samples = input.runs.map((run) => {
      const sha = run.side === 'champion' ? input.championSha! : input.head;
      const m = this.metricOf[sha];
      if (m === undefined) throw new Error(`no metric for ${sha}`);
      return m === 'crash' ? { run, ok: false as const, reason: 'benchmark exited with 3', tail: 'Traceback' } : { run, ok: true as const, value: m, durationMs: 1 };
    });
    return { submissionId, reattached: false, samples };
  }

  /** Side `f<n>` runs tree n's commit. */
  async runSides(input: RayBenchSidesInput): Promise<RayBenchBatchResult<RayFinalistSide>> {
    const submissionId = `fake-bench-${this.next++}`;
    if (input.signal?.aborted) return { submissionId, reattached: false, samples: [], failure: { reason: 'benchmark interrupted', tail: '' } };
    const samples = input.runs.map((run) => {
      const sha = input.trees[Number(run.side.slice(1)) - 1]?.head ?? '';
      const m = this.metricOf[sha];
      if (m === undefined) throw new Error(`no metric for ${sha}`);
      return m === 'crash' ? { run, ok: false as const, reason: 'benchmark exited with 3', tail: 'Traceback' } : { run, ok: true as const, value: m, durationMs: 1 };
    });
    return { submissionId, reattached: false, samples };
  }
}
