/**
 * The keep/revert policy (src/core/measure/measurer.ts) against in-process fakes of its ports: commits are
 * names with a scripted benchmark output each, the working tree is "/repo" at `head`, and a champion checkout
 * runs the champion's program. No processes, no temp folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBenchMeasurer, type MeasurePolicy } from '../../src/core/measure/measurer.js';
import { baselineFingerprint, parseResultTxt } from '../../src/core/measure/baseline.js';
import { FakeBench, FakeCheckouts, MemoryBaselineStore, MemoryChampionStore, MemoryFiles, programPlayer, testPolicy, type BenchProgram, type ProgramOf } from '../fakes/measure-fakes.js';

const ROOT = '/repo';
const RUN = '/logs/runs/r1';
const iterDir = (n: number): string => `${RUN}/iter-${String(n).padStart(3, '0')}`;

const metricLine = (ms: number): BenchProgram => ({ output: `warm-up\nGDNCTL_METRIC {"step_ms": ${ms}}` });

function world(o: { policy?: Partial<MeasurePolicy>; programs?: Record<string, ProgramOf>; cheapRunMs?: number } = {}) {
  const files = new MemoryFiles();
  const champions = new MemoryChampionStore(files);
  const baselines = new MemoryBaselineStore(files);
  const worktrees = new FakeCheckouts();
  const programs = new Map(Object.entries(o.programs ?? { base: metricLine(100) }));
  const state = { head: 'base' };
  const play = programPlayer(programs);
  const bench = new FakeBench((cwd) => {
    const sha = cwd === ROOT ? state.head : worktrees.shaAt(cwd);
    if (sha === undefined) throw new Error(`the benchmark ran in ${cwd}, which is no checkout`);
    return play(sha);
  });
  const lines: string[] = [];
  const policy = testPolicy({
    ...o.policy,
  });
  const m = createBenchMeasurer(policy, {
    bench,
    worktrees,
    champions,
    baselines,
    envSnapshot: { snapshot: async (head) => `Git SHA: ${head}\nOPENAI_API_KEY=sk-secret-value\n` },
    files,
    repoRoot: ROOT,
    cheapRunMs: o.cheapRunMs,
    now: () => new Date('2024-05-01T00:00:00Z'),
    onLine: (l) => lines.push(l),
    redact: (t) => t.replaceAll('sk-secret-value', '[redacted]'),
  });
  /** A new commit whose benchmark runs `program`; the working tree moves onto it. */
  const commit = (sha: string, program: ProgramOf): string => {
    programs.set(sha, program);
    state.head = sha;
    return sha;
  };
  const benchJson = (n: number): Record<string, unknown> => JSON.parse(files.texts.get(`${iterDir(n)}/bench.json`)!) as Record<string, unknown>;
  return { m, files, champions, baselines, worktrees, bench, lines, commit, benchJson, policy };
}

test('ensureBaseline measures N runs in the working tree, stores them (snapshot redacted) and makes them the champion', async () => {
  const w = world();
  assert.deepEqual(await w.m.ensureBaseline(RUN, 'base'), { ok: true });
  assert.deepEqual(w.bench.cwds, [ROOT, ROOT, ROOT]);
  assert.deepEqual(parseResultTxt(w.files.texts.get(`${RUN}/baseline/result.txt`)!), { values: [100, 100, 100], value: 100 });
  assert.match(w.files.texts.get(`${RUN}/baseline/result.txt`)!, /# Metric: step_ms \(lower is better\)/);
  assert.equal(w.files.texts.get(`${RUN}/baseline/env-snapshot.txt`), 'Git SHA: base\nOPENAI_API_KEY=[redacted]\n');
  const rec = await w.baselines.read(`${RUN}/baseline`);
  assert.equal(rec?.fingerprint, baselineFingerprint({ head: 'base', bench: 'bash bench.sh', metric: 'step_ms', direction: 'lower' }));
  assert.equal(rec?.createdAt, '2024-05-01T00:00:00.000Z');
  assert.deepEqual(await w.m.champion(), { sha: 'base', values: [100, 100, 100], median: 100, iteration: 0, source: 'baseline' });
  assert.deepEqual(w.lines, ['baseline run 1/3: 100', 'baseline run 2/3: 100', 'baseline run 3/3: 100']);
  // A resumed run keeps its champion: a second ensureBaseline measures nothing and changes nothing.
  await w.champions.write(RUN, { sha: 'later', values: [90], median: 90, iteration: 4, source: 'promoted' });
  assert.deepEqual(await w.m.ensureBaseline(RUN, 'later'), { ok: true });
  assert.equal(w.bench.cwds.length, 3);
  assert.equal((await w.m.champion())?.sha, 'later');
});

test('a noisy baseline is refused with its numbers and nothing is stored; --accept-noise records it as accepted', async () => {
  const noisy = (nth: number): BenchProgram => metricLine([100, 130, 90][(nth - 1) % 3]!);
  const w = world({ programs: { base: noisy } });
  const r = await w.m.ensureBaseline(RUN, 'base');
  assert.ok(!r.ok);
  assert.match(r.reason, /baseline refused as noisy: CV \d+\.\d+ % over 3 runs is above --cv-threshold-pct 5/);
  assert.equal(await w.baselines.read(`${RUN}/baseline`), undefined);
  assert.equal(await w.m.champion(), undefined);
  const ok = world({ programs: { base: noisy }, policy: { acceptNoise: true } });
  assert.deepEqual(await ok.m.ensureBaseline(RUN, 'base'), { ok: true });
  assert.equal((await ok.baselines.read(`${RUN}/baseline`))?.acceptedNoise, true);
  assert.match(ok.files.texts.get(`${RUN}/baseline/result.txt`)!, /# Noise: accepted with --accept-noise above 5 %/);
});

test('a failing baseline run names the run and carries the output tail; without a bench nothing is measured', async () => {
  const w = world({ programs: { base: { output: 'ImportError: no jax', exitCode: 1 } } });
  const r = await w.m.ensureBaseline(RUN, 'base');
  assert.ok(!r.ok);
  assert.match(r.reason, /^baseline failed: run 1\/3: benchmark exited with 1\n--- output tail ---\nImportError: no jax/);
  const none = world({ policy: { bench: undefined } });
  assert.deepEqual(await none.m.ensureBaseline(RUN, 'base'), { ok: false, reason: 'no --bench command configured' });
  assert.deepEqual(none.bench.cwds, []);
});

test('a standalone baseline with the same fingerprint is copied, not measured again', async () => {
  const w = world();
  const fp = baselineFingerprint({ head: 'base', bench: 'bash bench.sh', metric: 'step_ms', direction: 'lower' });
  const standalone = await w.m.measureBaseline(`/logs/baselines/${fp}`, 'base');
  assert.ok(standalone.ok);
  const runs = w.bench.cwds.length;
  assert.deepEqual(await w.m.ensureBaseline(RUN, 'base'), { ok: true });
  assert.equal(w.bench.cwds.length, runs, 'no benchmark run');
  assert.deepEqual(await w.baselines.read(`${RUN}/baseline`), standalone.record);
  assert.ok(w.lines.includes(`reusing baseline ${fp} (same HEAD, bench command and metric)`));
});

test('interleaved: a faster candidate is promoted against a checkout of the champion, which then moves', async () => {
  const w = world();
  await w.m.ensureBaseline(RUN, 'base');
  const fast = w.commit('fast', metricLine(80));
  const d = await w.m.decide({ iteration: 1, iterDir: iterDir(1), head: fast, championSha: 'base' });
  assert.equal(d.outcome, 'promoted', d.reason);
  assert.equal(d.revert, false);
  assert.equal(d.champion, 100, 'the champion side ran at the champion commit');
  assert.equal(d.candidate, 80);
  assert.equal(d.championSha, fast, 'the measurer names the new champion');
  assert.deepEqual(w.worktrees.taken, ['base']);
  assert.equal(w.worktrees.live.size, 0, 'the checkout is removed');
  // A B B A: the first pair starts with the champion, the second with the candidate.
  assert.deepEqual(w.bench.cwds.slice(3, 7).map((c) => (c === ROOT ? 'B' : 'A')), ['A', 'B', 'B', 'A']);
  assert.deepEqual(await w.m.champion(), { sha: fast, values: [80, 80, 80, 80, 80], median: 80, iteration: 1, source: 'promoted' });
  assert.equal(w.benchJson(1).interleaved, true);
  assert.equal(w.benchJson(1).championSha, 'base');
  assert.match(w.files.texts.get(`${iterDir(1)}/result.txt`)!, /# Decision: promoted — better by \+20\.00 %[^]*# Champion: base median 100 over 5 runs\n80\n$/);
});

test('within noise the candidate is kept and the champion stays; a significant regression is reverted', async () => {
  const w = world();
  await w.m.ensureBaseline(RUN, 'base');
  const same = w.commit('same', metricLine(100));
  const kept = await w.m.decide({ iteration: 1, iterDir: iterDir(1), head: same, championSha: 'base' });
  assert.equal(kept.outcome, 'kept-within-noise', kept.reason);
  assert.equal(kept.revert, false);
  assert.equal(kept.championSha, 'base');
  const slow = w.commit('slow', metricLine(120));
  const worse = await w.m.decide({ iteration: 2, iterDir: iterDir(2), head: slow, championSha: 'base' });
  assert.equal(worse.outcome, 'regression', worse.reason);
  assert.equal(worse.revert, true);
  assert.equal(worse.championSha, 'base');
  assert.equal((await w.m.champion())?.sha, 'base');
});

test('--interleave off: only the candidate runs, against the champion\'s stored runs; no checkout', async () => {
  const w = world({ policy: { interleave: 'off' } });
  await w.m.ensureBaseline(RUN, 'base');
  const fast = w.commit('fast', metricLine(90));
  const d = await w.m.decide({ iteration: 1, iterDir: iterDir(1), head: fast, championSha: 'base' });
  assert.equal(d.outcome, 'promoted', d.reason);
  assert.equal(w.bench.cwds.length, 3 + d.runs);
  assert.ok(w.bench.cwds.every((c) => c === ROOT));
  assert.deepEqual(w.worktrees.taken, []);
  assert.equal(w.benchJson(1).interleaved, false);
});

test('--interleave auto interleaves a cheap benchmark only; a champion without stored runs is always run', async () => {
  const cheap = world({ policy: { interleave: 'auto' }, cheapRunMs: 30000 });
  await cheap.m.ensureBaseline(RUN, 'base');
  await cheap.m.decide({ iteration: 1, iterDir: iterDir(1), head: cheap.commit('c1', metricLine(100)), championSha: 'base' });
  assert.deepEqual(cheap.worktrees.taken, ['base']);

  const slowBench = (ms: number): BenchProgram => ({ ...metricLine(ms), durationMs: 60000 });
  const costly = world({ policy: { interleave: 'auto' }, programs: { base: slowBench(100) } });
  await costly.m.ensureBaseline(RUN, 'base');
  await costly.m.decide({ iteration: 1, iterDir: iterDir(1), head: costly.commit('c1', slowBench(100)), championSha: 'base' });
  assert.deepEqual(costly.worktrees.taken, [], 'a 60 s benchmark reuses the stored runs');
  // The loop names a champion the measurer has no runs of: it can only be compared by running it.
  costly.commit('other', slowBench(100));
  await costly.m.decide({ iteration: 2, iterDir: iterDir(2), head: costly.commit('c2', slowBench(100)), championSha: 'other' });
  assert.deepEqual(costly.worktrees.taken, ['other']);
});

test('a champion that cannot run in its checkout falls back to its stored runs instead of reverting the candidate', async () => {
  const w = world();
  await w.m.ensureBaseline(RUN, 'base');
  const fast = w.commit('fast', metricLine(80));
  // The checkout lacks the working tree's build state: the champion's program fails there only.
  const inCheckout = new FakeBench((cwd) => (cwd === ROOT ? metricLine(80) : { output: 'ModuleNotFoundError: not built', exitCode: 1 }));
  const m = createBenchMeasurer(w.policy, { bench: inCheckout, worktrees: w.worktrees, champions: w.champions, baselines: w.baselines, envSnapshot: { snapshot: async () => '' }, files: w.files, repoRoot: ROOT, onLine: (l) => w.lines.push(l) });
  await m.ensureBaseline(RUN, 'base');
  const d = await m.decide({ iteration: 1, iterDir: iterDir(1), head: fast, championSha: 'base' });
  assert.equal(d.outcome, 'promoted', d.reason);
  assert.equal(w.benchJson(1).interleaved, false);
  assert.equal(w.benchJson(1).outputTail, undefined);
  assert.ok(w.lines.some((l) => /^champion could not run in its worktree \(champion run 1: benchmark exited with 1\)/.test(l)), w.lines.join('\n'));
  // Interrupted, the same failure is not retried against the stored runs.
  const ac = new AbortController();
  const said: string[] = [];
  const stopping = new FakeBench((cwd) => {
    if (cwd !== ROOT) ac.abort();
    return cwd === ROOT ? metricLine(80) : { output: 'killed', exitCode: 1 };
  });
  const m2 = createBenchMeasurer(w.policy, { bench: stopping, worktrees: w.worktrees, champions: w.champions, baselines: w.baselines, envSnapshot: { snapshot: async () => '' }, files: w.files, repoRoot: ROOT, onLine: (l) => said.push(l) });
  await m2.ensureBaseline(RUN, 'base');
  const stopped = await m2.decide({ iteration: 2, iterDir: iterDir(2), head: w.commit('c2', metricLine(80)), championSha: (await m2.champion())!.sha, signal: ac.signal });
  assert.equal(stopped.outcome, 'no-metric');
  assert.equal(stopped.revert, true);
  assert.equal(w.benchJson(2).interleaved, true, 'no fallback to the stored runs');
  assert.deepEqual(said, []);
});

test('a candidate without a metric is reverted; its redacted output tail is in bench.json and result.txt', async () => {
  const w = world();
  await w.m.ensureBaseline(RUN, 'base');
  const broken = w.commit('broken', { output: 'Traceback: kernel failed to compile (key sk-secret-value)' });
  const d = await w.m.decide({ iteration: 1, iterDir: iterDir(1), head: broken, championSha: 'base' });
  assert.equal(d.outcome, 'no-metric');
  assert.equal(d.revert, true);
  assert.match(d.reason, /^candidate run 1: no GDNCTL_METRIC line/);
  assert.equal(w.benchJson(1).outputTail, 'Traceback: kernel failed to compile (key [redacted])');
  assert.equal(w.files.texts.get(`${iterDir(1)}/result.txt`), `# Decision: no-metric — ${d.reason}\n# Output tail:\nTraceback: kernel failed to compile (key [redacted])\n`);
  assert.equal((await w.m.champion())?.sha, 'base');
});

test('--target: reached when a kept candidate\'s median meets it, never on a revert', async () => {
  const w = world({ policy: { target: 85 } });
  await w.m.ensureBaseline(RUN, 'base');
  const d = await w.m.decide({ iteration: 1, iterDir: iterDir(1), head: w.commit('fast', metricLine(80)), championSha: 'base' });
  assert.equal(d.targetReached, true);
  const high = world({ policy: { target: 85, direction: 'higher' } });
  await high.m.ensureBaseline(RUN, 'base');
  const r = await high.m.decide({ iteration: 1, iterDir: iterDir(1), head: high.commit('slower', metricLine(80)), championSha: 'base' });
  assert.equal(r.outcome, 'regression');
  assert.equal(r.targetReached, false);
});

test('after a sync-main merge the champion is re-measured at the merge commit, keeping its iteration', async () => {
  const w = world({ policy: { interleave: 'off' } });
  await w.m.ensureBaseline(RUN, 'base');
  await w.champions.write(RUN, { sha: 'base', values: [100, 100, 100], median: 100, iteration: 2, source: 'promoted' });
  const merged = w.commit('merged', metricLine(90));
  await w.m.remeasureChampion(merged);
  assert.deepEqual(await w.m.champion(), { sha: merged, values: [90, 90, 90], median: 90, iteration: 2, source: 'sync-main' });
  const d = await w.m.decide({ iteration: 3, iterDir: iterDir(3), head: w.commit('cand', metricLine(90)), championSha: merged });
  assert.equal(d.champion, 90, 'compared with the merge commit, not the pre-merge champion');
  assert.equal(d.outcome, 'kept-within-noise', d.reason);
  const failing = world();
  await failing.m.ensureBaseline(RUN, 'base');
  failing.commit('merged', { output: 'no metric here' });
  await assert.rejects(failing.m.remeasureChampion('merged'), /re-measuring the champion after sync-main failed: run 1\/3: no GDNCTL_METRIC line/);
  assert.equal((await failing.m.champion())?.sha, 'base');
});

test('decide and remeasureChampion refuse to run before ensureBaseline named the run', async () => {
  const w = world();
  await assert.rejects(w.m.decide({ iteration: 1, iterDir: iterDir(1), head: 'base', championSha: 'base' }), /before ensureBaseline/);
  await assert.rejects(w.m.remeasureChampion('base'), /before ensureBaseline/);
  assert.deepEqual(w.bench.cwds, []);
});
