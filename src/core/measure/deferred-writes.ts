/**
 * Writes held back until the loop has a moment: the rendered memory files (leaderboard.md, ledger.json,
 * final-report.md, report.html, an iteration's summary and reflexion) are written once the next agent has
 * spawned, while it works, instead of between two agent runs (docs/decisions.md "Issue 14 — per-iteration
 * writes and memory"). A later job under the same key replaces a pending one: only the newest leaderboard is
 * worth writing. `flush` runs what is pending, one job at a time, in the order the keys were last set.
 */
export class DeferredWrites {
  private readonly pending = new Map<string, () => Promise<void>>();
  private running: Promise<void> = Promise.resolve();

  /** With `defer` false every job runs at once (the callers that read the files right after a record). */
  constructor(private readonly defer: boolean) {}

  get deferring(): boolean {
    return this.defer;
  }

  async add(key: string, job: () => Promise<void>): Promise<void> {
    if (!this.defer) return job();
    this.pending.delete(key);
    this.pending.set(key, job);
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Resolves once every job pending now (and any flush under way) has run; rejects with the first error of the
   * jobs this call took (the others still run). An earlier flush's error went to that flush's caller. Jobs whose
   * key `keep` accepts stay pending (the reports rendered from every row, between two timed writes).
   */
  flush(keep?: (key: string) => boolean): Promise<void> {
    const jobs: Array<() => Promise<void>> = [];
    for (const [key, job] of this.pending) {
      if (keep?.(key)) continue;
      jobs.push(job);
      this.pending.delete(key);
    }
    if (jobs.length === 0) return this.running.catch(() => undefined);
    const run = this.running.catch(() => undefined).then(async () => {
      let first: unknown;
      for (const job of jobs) {
        try {
          await job();
        } catch (e) {
          first ??= e;
        }
      }
      if (first !== undefined) throw first;
    });
    this.running = run;
    return run;
  }
}
