/**
 * The keep/revert policy when the benchmark runs on the TPU (src/core/measure/measurer.ts with a `tpu` site),
 * against in-process fakes: candidate and champion are persistent trees that remember their commit, the site's
 * recoveries are scripted, and the snapshot's fingerprint stands for the TPU's type and runtime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBenchMeasurer, type MeasurePolicy } from '../../src/core/measure/measurer.js';
import { baselineFingerprint } from '../../src/core/measure/baseline.js';
import type { SampleLogEntry } from '../../src/core/measure/sampling.js';
import { FakeBench, FakeTpu, MemoryBaselineStore, MemoryChampionStore, MemoryFiles, programPlayer, testPolicy, type BenchProgram, type ProgramOf } from '../fakes/measure-fakes.js';

const RUN = '/logs/runs/r1';
const iterDir = (n: number): string => `${RUN}/iter-${String(n).padStart(3, '0')}`;
const metricLine = (ms: number): BenchProgram => ({ output: `GDNCTL_METRIC {"step_ms": ${ms}}` });

function world(o: { policy?: Partial<MeasurePolicy>; programs?: Record<string, ProgramOf> } = {}) {
  const files = new MemoryFiles();
  const champions = new MemoryChampionStore(files);
  const baselines = new MemoryBaselineStore(files);
  const tpu = new FakeTpu();
  const programs = new Map<string, ProgramOf>(Object.entries(o.programs ?? { base: metricLine(100) }));
  /** [tree, sha] of every benchmark run, in order. */
  const ran: Array<[string, string]> = [];
  const play = programPlayer(programs);
  const bench = new FakeBench((cwd) => {
    const sha = tpu.shaAt(cwd);
    if (sha === undefined) throw new Error(`the benchmark ran in ${cwd}, which holds no tree`);
    ran.push([cwd === FakeTpu.CANDIDATE ? 'candidate' : 'champion', sha]);
    return play(sha);
  });
  const lines: string[] = [];
  const policy = testPolicy({
    bench: 'python bench.py',
    // Off, so a test sees the TPU interleave anyway.
    interleave: 'off',
    ...o.policy,
  });
  const m = createBenchMeasurer(policy, {
    bench, worktrees: tpu.trees, champions, baselines, envSnapshot: tpu.snapshotter, files,
    repoRoot: '/repo', site: tpu.site, busyWaitMs: 0, onLine: (l) => lines.push(l),
  });
  const commit = (sha: string, p: ProgramOf): string => {
    programs.set(sha, p);
    return sha;
  };
  const json = (path: string): Record<string, unknown> => JSON.parse(files.texts.get(path)!) as Record<string, unknown>;
  const samples = (path: string): SampleLogEntry[] => files.texts.get(path)!.trim().split('\n').map((l) => JSON.parse(l) as SampleLogEntry);
  return { m, files, champions, baselines, tpu, bench, ran, lines, commit, json, samples, policy };
}

test('TPU baseline: synced candidate tree, the first run a recorded warm-up, the TPU in its key and files', async () => {
  const w = world({ programs: { base: (nth) => metricLine(nth === 1 ? 180 : 100) } });
  assert.deepEqual(await w.m.ensureBaseline(RUN, 'base'), { ok: true });
  assert.deepEqual(w.tpu.syncs, ['candidate@base']);
  assert.deepEqual(w.ran, [['candidate', 'base'], ['candidate', 'base'], ['candidate', 'base'], ['candidate', 'base']]);
  const rec = (await w.baselines.read(`${RUN}/baseline`))!;
  assert.deepEqual(rec.values, [100, 100, 100], 'the compile-heavy first run is excluded');
  assert.deepEqual(rec.warmupValues, [180]);
  assert.equal(rec.envFingerprint, 'fp-v5p-16');
  assert.equal(rec.fingerprint, baselineFingerprint({ head: 'base', bench: 'python bench.py', metric: 'step_ms', direction: 'lower', env: 'fp-v5p-16' }));
  assert.notEqual(rec.fingerprint, baselineFingerprint({ head: 'base', bench: 'python bench.py', metric: 'step_ms', direction: 'lower' }));
  assert.equal(await w.m.baselineKey('base'), rec.fingerprint);
  assert.match(w.files.texts.get(`${RUN}/baseline/result.txt`)!, /# Measured on: TPU v5p-16 fake-tpu in us-east5-a, 2 workers \(v5p-16/);
  assert.match(w.files.texts.get(`${RUN}/baseline/result.txt`)!, /# Warm-up \(excluded\): 180/);
  assert.match(w.files.texts.get(`${RUN}/baseline/env-snapshot.txt`)!, /Accelerator: v5p-16/);
  const s = w.samples(`${RUN}/baseline/samples.jsonl`);
  assert.deepEqual(s.map((e) => [e.side, e.warmup, e.value]), [['baseline', true, 180], ['baseline', false, 100], ['baseline', false, 100], ['baseline', false, 100]]);
  assert.ok(w.tpu.idles >= 1, 'connections closed after the baseline');
});

test('TPU decisions: always interleaved in the two trees, one warm-up per side, the champion tree synced only when it moves', async () => {
  const w = world();
  await w.m.ensureBaseline(RUN, 'base');
  const d1 = await w.m.decide({ iteration: 1, iterDir: iterDir(1), head: w.commit('fast', metricLine(80)), championSha: 'base' });
  assert.equal(d1.outcome, 'promoted', d1.reason);
  assert.equal(w.json(`${iterDir(1)}/bench.json`).interleaved, true, '--interleave off does not apply on the TPU');
  assert.equal(w.json(`${iterDir(1)}/bench.json`).benchOn, 'tpu');
  assert.deepEqual(w.json(`${iterDir(1)}/bench.json`).warmup, [{ side: 'champion', attempt: 1, value: 100 }, { side: 'candidate', attempt: 1, value: 80 }]);
  // 3 baseline runs + 1 warm-up, then champion warm-up, A, candidate warm-up, B, B, A, …
  assert.deepEqual(w.ran.slice(4, 8), [['champion', 'base'], ['champion', 'base'], ['candidate', 'fast'], ['candidate', 'fast']]);
  assert.equal(d1.runs, 5);
  assert.equal(w.ran.length, 4 + 2 + 10, 'warm-ups are extra runs, not samples');
  assert.deepEqual(w.tpu.syncs, ['candidate@base', 'candidate@fast', 'champion@base']);

  const d2 = await w.m.decide({ iteration: 2, iterDir: iterDir(2), head: w.commit('same', metricLine(80)), championSha: 'fast' });
  assert.equal(d2.outcome, 'kept-within-noise', d2.reason);
  assert.deepEqual(w.tpu.syncs.slice(3), ['candidate@same', 'champion@fast'], 'the champion moved: 2 syncs');
  await w.m.decide({ iteration: 3, iterDir: iterDir(3), head: w.commit('slow', metricLine(95)), championSha: 'fast' });
  assert.deepEqual(w.tpu.syncs.slice(5), ['candidate@slow'], 'the champion stayed: 1 sync');
  assert.match(w.files.texts.get(`${iterDir(3)}/result.txt`)!, /# Measured on: TPU v5p-16 fake-tpu/);
  const s = w.samples(`${iterDir(3)}/bench-samples.jsonl`);
  assert.equal(s.filter((e) => e.warmup).length, 2);
  assert.equal(s.filter((e) => !e.warmup && e.side === 'candidate').length, 5);
});

test('a TPU lost mid-decision: re-acquired, the samples discarded, both sides measured again; the reason says so', async () => {
  let preempt = true;
  const w = world();
  await w.m.ensureBaseline(RUN, 'base');
  const cand = w.commit('fast', (nth) => {
    if (nth === 3 && preempt) {
      preempt = false;
      return { output: 'Connection to 127.0.0.2 closed by remote host.', exitCode: 255 };
    }
    return metricLine(80);
  });
  w.tpu.recoveries.push({ kind: 'replaced', note: 'now fake-tpu in us-central1-a' });
  const d = await w.m.decide({ iteration: 1, iterDir: iterDir(1), head: cand, championSha: 'base' });
  assert.equal(d.outcome, 'promoted', d.reason);
  assert.equal(w.tpu.recoverCalls, 1);
  assert.match(d.reason, /the TPU was lost during the decision \(now fake-tpu in us-central1-a\); its runs were discarded and both sides measured again/);
  const s = w.samples(`${iterDir(1)}/bench-samples.jsonl`);
  assert.ok(s.filter((e) => e.attempt === 1).every((e) => e.discarded === true), 'first attempt kept but discarded');
  assert.equal(s.filter((e) => e.attempt === 2 && !e.warmup && e.side === 'candidate').length, 5);
  assert.ok(s.some((e) => e.attempt === 2 && e.warmup && e.side === 'champion'), 'the new TPU gets its warm-ups too');
  // The new TPU had no trees: both were synced again.
  assert.deepEqual(w.tpu.syncs.slice(-2), ['candidate@fast', 'champion@base']);
  assert.deepEqual(d.candidate, 80);
});

test('a failed run on a live TPU is the candidate\'s failure; a TPU that cannot be had again says why', async () => {
  const w = world();
  await w.m.ensureBaseline(RUN, 'base');
  const broken = await w.m.decide({ iteration: 1, iterDir: iterDir(1), head: w.commit('broken', { output: 'Traceback: bad kernel', exitCode: 1 }), championSha: 'base' });
  assert.equal(broken.outcome, 'no-metric');
  assert.equal(broken.revert, true);
  assert.match(broken.reason, /^candidate run 1: warm-up: benchmark exited with 1$/);
  assert.equal(w.tpu.recoverCalls, 1, 'asked once whether the TPU is still there');
  w.tpu.recoveries.push({ kind: 'lost', reason: 'TPU fake-tpu is PREEMPTED and could not be re-acquired' });
  const gone = await w.m.decide({ iteration: 2, iterDir: iterDir(2), head: w.commit('any', { output: 'ssh: connect to host 127.0.0.2 port 22: Connection refused', exitCode: 255 }), championSha: 'base' });
  assert.equal(gone.outcome, 'no-metric');
  assert.match(gone.reason, /\(TPU fake-tpu is PREEMPTED and could not be re-acquired\)$/);
});

test('tpu-busy: run again after a pause, not a lost TPU; still busy, it is a failure of its own', async () => {
  let busyLeft = 2;
  const w = world();
  await w.m.ensureBaseline(RUN, 'base');
  const d = await w.m.decide({
    iteration: 1, iterDir: iterDir(1), championSha: 'base',
    head: w.commit('fast', () => (busyLeft-- > 0 ? { output: 'x', busy: true } : metricLine(80))),
  });
  assert.equal(d.outcome, 'promoted', d.reason);
  assert.equal(w.tpu.recoverCalls, 0);
  const s = w.samples(`${iterDir(1)}/bench-samples.jsonl`);
  assert.deepEqual(s.filter((e) => e.kind === 'tpu-busy').length, 2);
  assert.ok(w.lines.some((l) => /candidate run: the TPU is busy \(tpu-busy: The TPU is already in use by process with pid 4242\); trying again/.test(l)), w.lines.join('\n'));
  const always = await w.m.decide({ iteration: 2, iterDir: iterDir(2), championSha: 'fast', head: w.commit('stuck', { output: 'x', busy: true }) });
  assert.equal(always.outcome, 'no-metric');
  assert.match(always.reason, /^candidate run 1: warm-up: tpu-busy: The TPU is already in use/);
  assert.equal(w.tpu.recoverCalls, 0, 'a busy TPU is not a lost one');
  assert.equal(w.samples(`${iterDir(2)}/bench-samples.jsonl`).filter((e) => e.kind === 'tpu-busy').length, 3, 'first try and 2 retries');
});

test('a re-acquire onto another type: baseline and champion measured again before the decision; old baseline kept', async () => {
  const speed: Record<string, number> = { base: 100, fast: 80 };
  const onType = (sha: string) => () => metricLine(w.tpu.env.fingerprint === 'fp-v4-16' ? speed[sha]! * 2 : speed[sha]!);
  const w = world({ programs: {} });
  w.commit('base', onType('base'));
  await w.m.ensureBaseline(RUN, 'base');
  await w.m.decide({ iteration: 1, iterDir: iterDir(1), head: w.commit('fast', onType('fast')), championSha: 'base' });
  assert.equal((await w.m.champion())?.sha, 'fast');
  w.tpu.env = { fingerprint: 'fp-v4-16', label: 'v4-16 (8 chips, 2 hosts), runtime tpu-ubuntu2204-base' };
  speed.next = 160;
  const d = await w.m.decide({ iteration: 2, iterDir: iterDir(2), head: w.commit('next', () => metricLine(160)), championSha: 'fast' });
  assert.equal(d.outcome, 'kept-within-noise', d.reason);
  assert.match(d.reason, /the TPU changed \(v5p-16 \(8 chips, 2 hosts\), runtime v2-alpha-tpuv5 → v4-16 .*\); baseline and champion re-measured first: baseline 100\.0 → 200\.0, champion fast 80\.00 → 160\.0/);
  const rec = (await w.baselines.read(`${RUN}/baseline`))!;
  assert.equal(rec.envFingerprint, 'fp-v4-16');
  assert.deepEqual(rec.values, [200, 200, 200]);
  assert.equal(rec.head, 'base', 're-measured at the baseline\'s own commit');
  assert.equal(rec.replaced?.median, 100);
  assert.equal((await w.baselines.read(`${RUN}/baseline/replaced-fp-v5p-16`))?.median, 100);
  assert.deepEqual(await w.m.champion(), { sha: 'fast', values: [160, 160, 160], median: 160, iteration: 1, source: 'env-changed' });
  assert.match(w.files.texts.get(`${RUN}/baseline/result.txt`)!, /# Replaces: median 100\.0 measured on v5p-16/);
  // The next decision on the same TPU measures nothing extra.
  const before = w.ran.length;
  await w.m.decide({ iteration: 3, iterDir: iterDir(3), head: w.commit('again', () => metricLine(160)), championSha: 'fast' });
  assert.equal(w.ran.length - before, 2 + 10);
});

test('a resumed run on a TPU of another type re-baselines in ensureBaseline and tells the next decision', async () => {
  const w = world();
  await w.m.ensureBaseline(RUN, 'base');
  w.tpu.env = { fingerprint: 'fp-v6e-8', label: 'v6e-8 (8 chips, 1 host)' };
  assert.deepEqual(await w.m.ensureBaseline(RUN, 'base'), { ok: true });
  assert.equal((await w.baselines.read(`${RUN}/baseline`))?.envFingerprint, 'fp-v6e-8');
  const d = await w.m.decide({ iteration: 1, iterDir: iterDir(1), head: w.commit('c1', metricLine(100)), championSha: 'base' });
  assert.match(d.reason, /the TPU changed \(v5p-16 .* → v6e-8 \(8 chips, 1 host\)\)/);
  const d2 = await w.m.decide({ iteration: 2, iterDir: iterDir(2), head: w.commit('c2', metricLine(100)), championSha: 'base' });
  assert.doesNotMatch(d2.reason, /TPU changed/, 'told once');
});

test('--bench-warmup-runs applies on this machine too when set; by default a local run has none', async () => {
  const { FakeCheckouts } = await import('../fakes/measure-fakes.js');
  const mk = (benchWarmupRuns?: number) => {
    const files = new MemoryFiles();
    const bench = new FakeBench(() => metricLine(100));
    const m = createBenchMeasurer(
      { ...world().policy, interleave: 'on', ...(benchWarmupRuns !== undefined ? { benchWarmupRuns } : {}) },
      { bench, worktrees: new FakeCheckouts(), champions: new MemoryChampionStore(files), baselines: new MemoryBaselineStore(files), envSnapshot: { snapshot: async () => '' }, files, repoRoot: '/repo' },
    );
    return { m, bench, files };
  };
  const none = mk();
  await none.m.ensureBaseline(RUN, 'base');
  assert.equal(none.bench.cwds.length, 3);
  const two = mk(2);
  await two.m.ensureBaseline(RUN, 'base');
  assert.equal(two.bench.cwds.length, 5);
  assert.deepEqual((await new MemoryBaselineStore(two.files).read(`${RUN}/baseline`))?.warmupValues, [100, 100]);
  assert.equal(two.files.texts.has(`${RUN}/baseline/samples.jsonl`), false, 'the samples log is the TPU\'s');
});
