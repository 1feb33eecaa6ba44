/**
 * The finalists' ranking on Ray (--parallel with --bench-on ray): its plan, the shipped runner over N named
 * trees (run here with bash in a temp folder laid out as a job's working dir), and rankFinalists through runAll.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBenchLog, runnerFiles, runnerTag } from '../../src/adapters/ray/ray-bench-runner.js';
import { finalistRuns } from '../../src/cli/loop/parallel-bench.js';
import { rankFinalists } from '../../src/core/parallel/finalists.js';

test('finalistRuns: one side per finalist by first appearance, the given order kept, warm-ups before each side\'s first run', () => {
  const p = finalistRuns(['/w/c3', '/w/c1', '/w/c1', '/w/c3'], 1);
  assert.deepEqual(p.trees, ['/w/c3', '/w/c1']);
  assert.deepEqual(p.sides, ['f1', 'f2', 'f2', 'f1']);
  assert.deepEqual(p.runs.map((r) => `${r.side}:${r.index}${r.warmup ? 'w' : ''}`), ['f1:1w', 'f1:1', 'f2:1w', 'f2:1', 'f2:2', 'f1:2']);
  assert.deepEqual(finalistRuns(['/a', '/b'], 0).runs.map((r) => r.warmup), [false, false]);
});

test('rankFinalists with runAll: one call holding the whole rotated round, results mapped back by position', async () => {
  const calls: string[][] = [];
  const speed: Record<string, number> = { a: 90, b: 50, c: 70 };
  const bench = {
    run: async () => assert.fail('a batched bench is not run one by one'),
    runAll: async (dirs: readonly string[]) => (calls.push([...dirs]), dirs.map((d) => ({ ok: true as const, value: speed[d]!, durationMs: 1 }))),
  };
  const r = await rankFinalists([{ slot: 1, dir: 'a' }, { slot: 2, dir: 'b' }, { slot: 3, dir: 'c' }], { bench, direction: 'lower' });
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0], ['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
  assert.deepEqual(r.order, [2, 3, 1]);
  assert.deepEqual(r.values, { 1: [90, 90, 90], 2: [50, 50, 50], 3: [70, 70, 70] });
  // A failed run counts for nothing; a finalist with no value falls back to its measured median.
  const failing = { run: bench.run, runAll: async (dirs: readonly string[]) => dirs.map((d) => (d === 'b' ? { ok: false as const, reason: 'x', tail: '' } : { ok: true as const, value: speed[d]!, durationMs: 1 })) };
  const r2 = await rankFinalists([{ slot: 1, dir: 'a' }, { slot: 2, dir: 'b', measured: 95 }], { bench: failing, direction: 'lower' });
  assert.deepEqual(r2.order, [1, 2]);
});

test('the runner over N named trees: setup once in each, every run in its own tree, framed with the job\'s tag', () => {
  const root = mkdtempSync(join(tmpdir(), 'gdnctl-rayrunner-'));
  try {
    for (const [tree, v] of [['f1', '80'], ['f2', '90'], ['f3', '70']] as const) {
      mkdirSync(join(root, tree));
      writeFileSync(join(root, tree, 'speed.txt'), `${v}\n`);
    }
    const p = finalistRuns(['f1', 'f2', 'f3', 'f2', 'f3', 'f1'], 1);
    const files = runnerFiles({ runs: p.runs, bench: 'echo "GDNCTL_METRIC {\\"step_ms\\": $(cat speed.txt)}"', setup: 'echo set >> setup.log', timeoutS: 30, trees: ['f1', 'f2', 'f3'] });
    for (const f of files) {
      mkdirSync(join(root, f.path, '..'), { recursive: true });
      writeFileSync(join(root, f.path), f.text);
      if (f.mode) chmodSync(join(root, f.path), f.mode);
    }
    const id = 'gdnctl-bench-test';
    const logs = execFileSync('bash', ['.gdnctl-ray/run.sh'], { cwd: root, env: { ...process.env, GDNCTL_RAY_TAG: runnerTag(id) }, encoding: 'utf8' });
    for (const tree of ['f1', 'f2', 'f3']) assert.equal(readFileSync(join(root, tree, 'setup.log'), 'utf8'), 'set\n', `setup ran once in ${tree}`);
    const got = readBenchLog(logs, runnerTag(id), { metric: { metric: 'step_ms' }, timeoutS: 30 });
    assert.equal(got.setupFailure, undefined);
    assert.deepEqual(got.samples.filter((s) => !s.run.warmup).map((s) => [s.run.side, s.run.index, s.ok && s.value]),
      [['f1', 1, 80], ['f2', 1, 90], ['f3', 1, 70], ['f2', 2, 90], ['f3', 2, 70], ['f1', 2, 80]]);
    assert.ok(got.env !== undefined, 'the host snapshot is taken though there is no candidate/ tree');
    // Another job's tag reads nothing.
    assert.deepEqual(readBenchLog(logs, runnerTag('other'), { metric: { metric: 'step_ms' }, timeoutS: 30 }).samples, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a tree name that is not a plain folder name is refused before any package is built', () => {
  assert.throws(() => runnerFiles({ runs: [], bench: 'true', timeoutS: 1, trees: ['../x'] }), /plain folder name/);
});
