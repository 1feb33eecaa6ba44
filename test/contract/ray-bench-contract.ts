/**
 * The behaviour of the RayBench port (src/ports/ray.ts), registered against the real one (createRayBench over the
 * Ray Jobs emulator, test/integration/ray-bench-port.test.ts) and the in-memory fake (test/unit/ray-bench-fake.test.ts).
 * A subject's trees: the champion's metric is 100, the candidate's 80, and a run of a tree whose metric is
 * "crash" exits 3 after printing "Traceback".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RayBench, RayBenchRun } from '../../src/ports/ray.js';

export interface RayBenchSubject {
  bench: RayBench;
  head: string;
  championSha: string;
  /** A candidate commit whose runs crash. */
  crashingHead: () => Promise<string>;
  recordDir: string;
  /** Two trees for a job of named sides: the first's metric 100, the second's 80. */
  sideTrees: () => Promise<Array<{ dir: string; head: string }>>;
  dispose(): Promise<void>;
}

const run = (side: RayBenchRun['side'], index: number, warmup = false): RayBenchRun => ({ side, index, warmup });

export function runRayBenchContract(name: string, make: () => Promise<RayBenchSubject>): void {
  const withSubject = async (fn: (s: RayBenchSubject) => Promise<void>): Promise<void> => {
    const s = await make();
    try {
      await fn(s);
    } finally {
      await s.dispose();
    }
  };

  test(`${name}: a comparison batch gives one sample per planned run, each from its own tree`, () =>
    withSubject(async (s) => {
      const runs = [run('champion', 1, true), run('champion', 1), run('candidate', 1, true), run('candidate', 1), run('candidate', 2), run('champion', 2)];
      const r = await s.bench.runBatch({ head: s.head, championSha: s.championSha, runs, recordDir: s.recordDir, batch: 1 });
      assert.ok(r.submissionId.length > 0);
      assert.equal(r.reattached, false);
      assert.equal(r.failure, undefined);
      assert.deepEqual(
        r.samples.map((x) => [x.run.side, x.run.index, x.run.warmup, x.ok && x.value]),
        [['champion', 1, true, 100], ['champion', 1, false, 100], ['candidate', 1, true, 80], ['candidate', 1, false, 80], ['candidate', 2, false, 80], ['champion', 2, false, 100]],
      );
      assert.ok(s.bench.label().length > 0);
    }));

  test(`${name}: a baseline batch runs the candidate tree alone`, () =>
    withSubject(async (s) => {
      const r = await s.bench.runBatch({ head: s.head, runs: [run('baseline', 1), run('baseline', 2)], recordDir: s.recordDir, batch: 1 });
      assert.deepEqual(r.samples.map((x) => x.ok && x.value), [80, 80]);
    }));

  test(`${name}: a failing run is a failed sample with its output tail; the others still run`, () =>
    withSubject(async (s) => {
      const head = await s.crashingHead();
      const r = await s.bench.runBatch({ head, championSha: s.championSha, runs: [run('champion', 1), run('candidate', 1)], recordDir: s.recordDir, batch: 2 });
      const [champ, cand] = r.samples;
      assert.deepEqual([champ!.ok, champ!.ok && champ!.value], [true, 100]);
      assert.ok(!cand!.ok);
      assert.equal(cand!.reason, 'benchmark exited with 3');
      assert.match(cand!.tail, /Traceback/);
    }));

  test(`${name}: a job of named sides runs each f<n> in tree n, in the planned order`, () =>
    withSubject(async (s) => {
      assert.ok(s.bench.runSides, 'runSides is there');
      const trees = await s.sideTrees();
      const runs = [{ side: 'f1' as const, index: 1, warmup: true }, { side: 'f1' as const, index: 1, warmup: false }, { side: 'f2' as const, index: 1, warmup: false }, { side: 'f2' as const, index: 2, warmup: false }, { side: 'f1' as const, index: 2, warmup: false }];
      const r = await s.bench.runSides({ trees, runs, recordDir: s.recordDir, name: 'finalists-test' });
      assert.equal(r.failure, undefined);
      assert.deepEqual(r.samples.map((x) => [x.run.side, x.run.index, x.run.warmup, x.ok && x.value]),
        [['f1', 1, true, 100], ['f1', 1, false, 100], ['f2', 1, false, 80], ['f2', 2, false, 80], ['f1', 2, false, 100]]);
    }));

  test(`${name}: an aborted batch reports the interruption as its failure`, () =>
    withSubject(async (s) => {
      const ac = new AbortController();
      ac.abort();
      const r = await s.bench.runBatch({ head: s.head, championSha: s.championSha, runs: [run('champion', 1)], recordDir: s.recordDir, batch: 3, signal: ac.signal });
      assert.equal(r.failure?.reason, 'benchmark interrupted');
      assert.deepEqual(r.samples, []);
    }));
}
