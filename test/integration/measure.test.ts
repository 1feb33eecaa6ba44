import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMeasurer, type MeasureValues } from '../../src/cli/measure/bench-measurer.js';
import { execaBenchRunner } from '../../src/adapters/measure/bench-runner.js';
import { baselineFingerprint, parseResultTxt } from '../../src/core/measure/baseline.js';
import { isPidDead } from '../helpers/proc.js';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** A real repo whose bench prints the step time stored in speed.txt (lower is better). */
function repo(t: { after: (fn: () => void) => void }): { root: string; commit: (speed: string) => string; tmp: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'gdnctl-measure-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const root = join(tmp, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', root]);
  git(root, 'config', 'user.email', 't@example.com');
  git(root, 'config', 'user.name', 't');
  writeFileSync(join(root, 'bench.sh'), 'v=$(cat speed.txt)\necho "warm-up"\necho "GDNCTL_METRIC {\\"step_ms\\": $v}"\n');
  const commit = (speed: string): string => {
    writeFileSync(join(root, 'speed.txt'), speed + '\n');
    git(root, 'add', '-A');
    git(root, 'commit', '-qm', `speed ${speed}`);
    return git(root, 'rev-parse', 'HEAD');
  };
  commit('100');
  return { root, commit, tmp };
}

const values = (logDir: string, o: Partial<MeasureValues> = {}): MeasureValues => ({
  bench: 'bash bench.sh',
  metric: 'step_ms',
  direction: 'lower',
  baselineRuns: 5,
  cvThresholdPct: 5,
  acceptNoise: false,
  maxBenchRuns: 5,
  alpha: 0.05,
  minImprovementPct: 0,
  maxRegressionPct: 2,
  inconclusivePolicy: 'revert',
  interleave: 'on',
  benchTimeoutSeconds: 30,
  logDir,
  ...o,
});

const snapshot = async (head: string): Promise<string> => `Git SHA: ${head}\n`;

test('baseline, then promoted / kept-within-noise / regression / no-metric on real commits, interleaved from a worktree', async (t) => {
  const { root, commit, tmp } = repo(t);
  const base = git(root, 'rev-parse', 'HEAD');
  const runDir = join(tmp, 'logs', 'runs', 'r1');
  const m = createMeasurer(values(join(tmp, 'logs'), { baselineRuns: 3 }), { repoRoot: root, snapshot });
  assert.deepEqual(await m.ensureBaseline(runDir, base), { ok: true });
  const parsed = parseResultTxt(readFileSync(join(runDir, 'baseline', 'result.txt'), 'utf8'));
  assert.deepEqual(parsed, { values: [100, 100, 100], value: 100 });
  assert.match(readFileSync(join(runDir, 'baseline', 'result.txt'), 'utf8'), /^# Aggregation: median of 3 runs\n# Raw: 100 100 100\n/);
  assert.equal((await m.champion())?.sha, base);

  const fast = commit('80');
  const d1 = await m.decide({ iteration: 1, iterDir: join(runDir, 'iter-001'), head: fast, championSha: base });
  assert.equal(d1.outcome, 'promoted', d1.reason);
  assert.equal(d1.revert, false);
  assert.equal(d1.champion, 100, 'the champion side ran in the worktree at the champion commit');
  assert.equal(d1.candidate, 80);
  assert.equal((await m.champion())?.sha, fast);
  assert.equal(git(root, 'worktree', 'list').split('\n').length, 1, 'champion worktree removed');
  const bench = JSON.parse(readFileSync(join(runDir, 'iter-001', 'bench.json'), 'utf8'));
  assert.equal(bench.interleaved, true);
  assert.match(readFileSync(join(runDir, 'iter-001', 'result.txt'), 'utf8'), /# Decision: promoted/);

  const same = commit('80.0');
  const d2 = await m.decide({ iteration: 2, iterDir: join(runDir, 'iter-002'), head: same, championSha: fast });
  assert.equal(d2.outcome, 'kept-within-noise', d2.reason);
  assert.equal(d2.revert, false);

  const slow = commit('95');
  const d3 = await m.decide({ iteration: 3, iterDir: join(runDir, 'iter-003'), head: slow, championSha: fast });
  assert.equal(d3.outcome, 'regression', d3.reason);
  assert.equal(d3.revert, true);

  writeFileSync(join(root, 'bench.sh'), 'echo "Traceback: kernel failed to compile"\nexit 0\n');
  git(root, 'commit', '-qam', 'break bench');
  const broken = git(root, 'rev-parse', 'HEAD');
  const d4 = await m.decide({ iteration: 4, iterDir: join(runDir, 'iter-004'), head: broken, championSha: fast });
  assert.equal(d4.outcome, 'no-metric');
  assert.equal(d4.revert, true);
  assert.match(d4.reason, /no GDNCTL_METRIC line/);
  assert.match(JSON.parse(readFileSync(join(runDir, 'iter-004', 'bench.json'), 'utf8')).outputTail, /kernel failed to compile/);
  assert.equal(git(root, 'status', '--porcelain'), '', 'measuring leaves the tree clean');
});

test('non-interleaved: stored champion values are reused and only the candidate runs', async (t) => {
  const { root, commit, tmp } = repo(t);
  const base = git(root, 'rev-parse', 'HEAD');
  const runDir = join(tmp, 'runs', 'r2');
  let runs = 0;
  const m = createMeasurer(values(tmp, { interleave: 'off', baselineRuns: 3 }), {
    repoRoot: root,
    snapshot,
    runBench: async (o) => {
      runs++;
      return execaBenchRunner(o);
    },
  });
  assert.deepEqual(await m.ensureBaseline(runDir, base), { ok: true });
  const fast = commit('90');
  const d = await m.decide({ iteration: 1, iterDir: join(runDir, 'iter-001'), head: fast, championSha: base });
  assert.equal(d.outcome, 'promoted');
  assert.equal(runs, 3 + d.runs, 'baseline runs plus candidate runs only');
});

test('a noisy baseline is refused with the numbers and a fix; --accept-noise records it', async (t) => {
  const { root, tmp } = repo(t);
  const head = git(root, 'rev-parse', 'HEAD');
  const counter = join(tmp, 'counter');
  writeFileSync(counter, '0');
  writeFileSync(join(root, 'noisy.sh'), `n=$(cat ${counter}); echo $((n+1)) > ${counter}\nset -- 100 130 90 120 80 100 130 90 120 80\nshift $n\necho "GDNCTL_METRIC {\\"step_ms\\": $1}"\n`);
  const v = values(tmp, { bench: 'bash noisy.sh' });
  const refused = await createMeasurer(v, { repoRoot: root, snapshot }).ensureBaseline(join(tmp, 'runs', 'a'), head);
  assert.equal(refused.ok, false);
  assert.ok(!refused.ok);
  assert.match(refused.reason, /baseline refused as noisy: CV 19\.\d+ % over 5 runs is above --cv-threshold-pct 5 \(runs: 100\.0 130\.0 90\.00 120\.0 80\.00; median 100\.0\)/);
  assert.match(refused.reason, /--accept-noise/);
  assert.equal(existsSync(join(tmp, 'runs', 'a', 'baseline', 'baseline.json')), false, 'nothing stored');
  const accepted = await createMeasurer({ ...v, acceptNoise: true }, { repoRoot: root, snapshot }).ensureBaseline(join(tmp, 'runs', 'b'), head);
  assert.deepEqual(accepted, { ok: true });
  const rec = JSON.parse(readFileSync(join(tmp, 'runs', 'b', 'baseline', 'baseline.json'), 'utf8'));
  assert.equal(rec.acceptedNoise, true);
  assert.match(readFileSync(join(tmp, 'runs', 'b', 'baseline', 'result.txt'), 'utf8'), /# Noise: accepted with --accept-noise/);
});

test('a standalone baseline is reused when HEAD, bench command and metric match', async (t) => {
  const { root, tmp } = repo(t);
  const head = git(root, 'rev-parse', 'HEAD');
  const logDir = join(tmp, 'logs');
  const v = values(logDir, { baselineRuns: 3 });
  const fp = baselineFingerprint({ head, bench: v.bench!, metric: v.metric, direction: v.direction });
  const standalone = createMeasurer(v, { repoRoot: root, snapshot });
  const r = await standalone.measureBaseline(join(logDir, 'baselines', fp), head);
  assert.ok(r.ok);
  let runs = 0;
  const m = createMeasurer(v, { repoRoot: root, snapshot, runBench: async (o) => (runs++, execaBenchRunner(o)) });
  assert.deepEqual(await m.ensureBaseline(join(logDir, 'runs', 'x'), head), { ok: true });
  assert.equal(runs, 0, 'no benchmark run: reused');
  assert.notEqual(fp, baselineFingerprint({ head, bench: 'bash other.sh', metric: v.metric, direction: v.direction }));
});

test('bench runner: a timeout ends the whole process group and is a failure, not a value', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'gdnctl-bench-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const pidFile = join(tmp, 'child.pid');
  const started = Date.now();
  const r = await execaBenchRunner({
    command: `sleep 30 & echo $! > ${pidFile}; wait`,
    cwd: tmp,
    metric: {},
    // bash -l sources the profile first, which can take a while on a loaded machine.
    timeoutMs: 2500,
    killGraceMs: 200,
  });
  assert.equal(r.timedOut, true);
  assert.ok(!r.reading.ok && /timed out/.test(r.reading.reason));
  assert.ok(Date.now() - started < 8000);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(pid > 1, 'the benchmark started its child before the timeout');
  // A killed orphan may linger as a zombie here (PID 1 does not always reap), so "dead" means gone or Z.
  for (let i = 0; i < 30 && !isPidDead(pid); i++) await new Promise((res) => setTimeout(res, 100));
  assert.ok(isPidDead(pid), 'the grandchild sleep was killed with its group');
  const bad = await execaBenchRunner({ command: 'echo "GDNCTL_METRIC {\\"x\\": 1}"; exit 3', cwd: tmp, metric: {}, timeoutMs: 5000 });
  assert.ok(!bad.reading.ok && /exited with 3/.test(bad.reading.reason));
});

test('a champion that cannot run in its fresh worktree falls back to its stored runs instead of reverting the candidate', async (t) => {
  const { root, commit, tmp } = repo(t);
  // Build state the worktree does not have (like .venv): untracked and excluded, so the tree stays clean.
  writeFileSync(join(root, '.built'), 'yes\n');
  writeFileSync(join(root, '.git', 'info', 'exclude'), '.built\n');
  writeFileSync(join(root, 'bench.sh'), 'test -f .built || { echo "ModuleNotFoundError: not built"; exit 1; }\nv=$(cat speed.txt)\necho "GDNCTL_METRIC {\\"step_ms\\": $v}"\n');
  const base = commit('100');
  const runDir = join(tmp, 'runs', 'fb');
  const lines: string[] = [];
  const m = createMeasurer(values(tmp, { baselineRuns: 3 }), { repoRoot: root, snapshot, onLine: (l) => lines.push(l) });
  assert.deepEqual(await m.ensureBaseline(runDir, base), { ok: true });
  const fast = commit('80');
  const d = await m.decide({ iteration: 1, iterDir: join(runDir, 'iter-001'), head: fast, championSha: base });
  assert.equal(d.outcome, 'promoted', d.reason);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'iter-001', 'bench.json'), 'utf8')).interleaved, false);
  assert.ok(lines.some((l) => /champion could not run in its worktree .*not built|champion run 1/.test(l)), lines.join('\n'));
});

test('after a sync-main merge the re-measured merge commit is the champion the candidate is compared with', async (t) => {
  const { root, commit, tmp } = repo(t);
  const base = git(root, 'rev-parse', 'HEAD');
  const runDir = join(tmp, 'runs', 'sm');
  const m = createMeasurer(values(tmp, { baselineRuns: 3, interleave: 'off' }), { repoRoot: root, snapshot });
  assert.deepEqual(await m.ensureBaseline(runDir, base), { ok: true });
  const merged = commit('90'); // upstream made it faster; the loop merged it
  await m.remeasureChampion!(merged);
  assert.deepEqual(await m.champion(), { sha: merged, values: [90, 90, 90], median: 90, iteration: 0, source: 'sync-main' });
  const cand = commit('90.0');
  // The loop names the merge commit as champion after re-measuring it (engine: championAfterMerge).
  const d = await m.decide({ iteration: 1, iterDir: join(runDir, 'iter-001'), head: cand, championSha: merged });
  assert.equal(d.champion, 90, 'compared with the merge commit, not the pre-merge champion at 100');
  assert.equal(d.outcome, 'kept-within-noise', d.reason);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'iter-001', 'bench.json'), 'utf8')).championSha, merged);
});
