/**
 * `--bench-on ray` (docs/ray.md): every measurement of the loop — the baseline, each decision's interleaved A/B —
 * runs as a Ray job of the emulator, which runs the shipped runner as a real process in the unpacked package.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, logDir, readJson, runDirs, runLoopInProcess, until } from '../helpers/loop-harness.js';
import { RayEmulator, type EmulatedJob } from '../fakes/ray-emulator.js';
import { Interrupt } from '../../src/cli/interrupt.js';
import { runProgram } from '../helpers/cli.js';

// The metric is the tree's speed.txt; "crash" fails the run, "slow" sleeps, "die" kills the whole job.
const BENCH = [
  'v=$(cat speed.txt)',
  'case "$v" in crash) echo "Traceback: kernel blew up"; exit 3;; slow) echo $$ > bench.pid; sleep 60;; die) kill -KILL -- -"$(ps -o sid= -p $$ | tr -d \' \')";; esac',
  'echo "GDNCTL_METRIC {\\"step_ms\\": $v}"',
  '',
].join('\n');

let emu: RayEmulator;
before(async () => {
  emu = await RayEmulator.start();
});
after(async () => {
  await emu.stop();
});

const args = (extra: string[] = []): string[] => [
  ...FAST, '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--max-bench-runs', '5',
  '--bench-on', 'ray', '--ray-address', emu.address, '--ray-poll-seconds', '0.1', '--max-failures', '-1', ...extra,
];
const jobsSince = (n: number): EmulatedJob[] => [...emu.jobs.values()].slice(n);

test('a loop with --bench-on ray: baseline and each A/B as one job with both trees; faster kept, slower reverted', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const before = emu.jobs.size;
  const env = loopEnv(repo, [{ steps: [commitStep({ 'speed.txt': '80\n' }, 'Fuse kernels')] }, { steps: [commitStep({ 'speed.txt': '95\n' }, 'Unroll the loop')] }]);
  const r = await runLoopInProcess(repo, ['--iterations', '2', ...args()], env);
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo).at(-1)!;
  const decisions = [1, 2].map((i) => readJson(join(run, `iter-00${i}`, 'bench.json')));
  assert.deepEqual(decisions.map((d) => d.outcome), ['promoted', 'regression']);
  assert.equal(readFileSync(join(repo.dir, 'speed.txt'), 'utf8').trim(), '80', 'the slower change was reverted');
  const jobs = jobsSince(before);
  assert.equal(jobs.length, 3, 'one job for the baseline, one per decision');
  assert.ok(jobs.every((j) => j.status === 'SUCCEEDED' && j.entrypoint === 'bash .gdnctl-ray/run.sh'));
  // The baseline's job holds the candidate tree only; a decision's both trees, side by side in one working dir.
  assert.ok(!existsSync(join(jobs[0]!.dir!, 'champion')));
  assert.equal(readFileSync(join(jobs[1]!.dir!, 'champion', 'speed.txt'), 'utf8'), '100\n');
  assert.equal(readFileSync(join(jobs[1]!.dir!, 'candidate', 'speed.txt'), 'utf8'), '80\n');
  assert.equal(readFileSync(join(jobs[2]!.dir!, 'champion', 'speed.txt'), 'utf8'), '80\n');
  assert.ok(existsSync(join(jobs[1]!.dir!, 'champion', '.gdnctl', 'jax-cache')) && existsSync(join(jobs[1]!.dir!, 'candidate', '.gdnctl', 'jax-cache')), 'each tree has its own compilation cache');
  const d1 = decisions[0]!;
  assert.equal(d1.benchOn, 'ray');
  assert.deepEqual(d1.rayJobs, [jobs[1]!.submissionId]);
  assert.deepEqual([d1.candidateValues, d1.championValues], [[80, 80, 80, 80, 80], [100, 100, 100, 100, 100]]);
  assert.deepEqual((d1.warmup as unknown[]).length, 2, 'one warm-up per side, excluded');
  // Interleaved A B B A, warm-ups first, in the order the job ran them.
  const order = readFileSync(join(run, 'iter-001', 'bench-samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { side: string; warmup: boolean })
    .map((s) => `${s.side[1]}${s.warmup ? 'w' : ''}`).join(' ');
  assert.equal(order, 'hw h aw a a h h a a h h a');
  assert.equal(readJson(join(run, 'iter-001', 'ray-bench-1.json')).state, 'ended');
  const base = readJson(join(run, 'baseline', 'baseline.json'));
  assert.deepEqual(base.values, [100, 100, 100]);
  assert.deepEqual(base.warmupValues, [100]);
  assert.equal(readJson(join(run, 'baseline', 'ray-bench-1.json')).submissionId, jobs[0]!.submissionId);
});

test('a failed run and a job that dies are no-metric decisions, reverted, with the output tail', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const before = emu.jobs.size;
  const env = loopEnv(repo, [{ steps: [commitStep({ 'speed.txt': 'crash\n' })] }, { steps: [commitStep({ 'speed.txt': 'die\n' })] }]);
  const r = await runLoopInProcess(repo, ['--iterations', '2', ...args()], env);
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo).at(-1)!;
  const [crash, die] = [1, 2].map((i) => readJson(join(run, `iter-00${i}`, 'bench.json')));
  assert.equal(crash!.outcome, 'no-metric');
  assert.match(String(crash!.reason), /^candidate run 1: warm-up: benchmark exited with 3/);
  assert.match(String(crash!.outputTail), /Traceback: kernel blew up/);
  assert.equal(die!.outcome, 'no-metric');
  assert.match(String(die!.reason), /ray job \S+ ended FAILED \(exit \d+\) before all its runs reported/);
  assert.equal(jobsSince(before)[2]!.status, 'FAILED');
  assert.equal(readFileSync(join(repo.dir, 'speed.txt'), 'utf8').trim(), '100', 'both were reverted');
});

test('Ctrl-C during a bench job stops the job and exits 130', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const before = emu.jobs.size;
  const interrupt = new Interrupt();
  const env = loopEnv(repo, [{ steps: [commitStep({ 'speed.txt': 'slow\n' })] }]);
  const watch = setInterval(() => {
    const j = jobsSince(before)[1];
    if (j?.status === 'RUNNING' && existsSync(join(j.dir!, 'candidate', 'bench.pid'))) {
      clearInterval(watch);
      interrupt.fire('SIGINT');
    }
  }, 50);
  t.after(() => clearInterval(watch));
  const r = await runProgram(['codex-loop', '--iterations', '1', ...args()], { cwd: repo.dir, env, interrupt });
  assert.equal(r.code, 130, r.stderr);
  const job = jobsSince(before)[1]!;
  assert.equal((await emu.settled(job.submissionId)).status, 'STOPPED');
  assert.ok(emu.requests.some((q) => q.method === 'POST' && q.path === `/api/jobs/${job.submissionId}/stop`));
  // The stop reaches the benchmark itself, though timeout(1) gave it a process group of its own.
  const pid = Number(readFileSync(join(job.dir!, 'candidate', 'bench.pid'), 'utf8'));
  await until(() => !alive(pid), 10_000, `bench ${pid} to end`);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('--bench-on ray without a Ray cluster is exit 2 with one line, nothing written', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const a = args().filter((x, i, all) => x !== '--ray-address' && all[i - 1] !== '--ray-address');
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...a], loopEnv(repo, []));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--bench-on ray, but no Ray cluster given; pass --ray-address/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(!existsSync(join(logDir(repo), 'runs')), 'nothing written');
  const bad = await runLoopInProcess(repo, ['--iterations', '1', ...a, '--ray-address', 'not a url'], loopEnv(repo, []));
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /is not a URL/);
  assert.ok(!existsSync(join(logDir(repo), 'runs')), 'nothing written');
  // --parallel on Ray is wired (codex-loop-parallel-ray-bench.test.ts), but still needs a cluster.
  const par = await runLoopInProcess(repo, ['--iterations', '1', ...a, '--parallel', '2'], loopEnv(repo, []));
  assert.equal(par.code, 2, par.stderr);
  assert.match(par.stderr, /--bench-on ray, but no Ray cluster given; pass --ray-address/);
  assert.ok(!existsSync(join(logDir(repo), 'runs')), 'nothing written');
});

test('an undecided first batch is followed by a second job for the next look, and the rule decides there', async (t) => {
  const counter = join(mkdtempSync(join(tmpdir(), 'gdnctl-raycount-')), 'n');
  t.after(() => rmSync(join(counter, '..'), { recursive: true, force: true }));
  // Noise by the global run order: 3 % better is not significant after 5 runs per side, and is after 10.
  const noisy = `n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n + 1)) > ${counter}\nnoise=(0 3 -3 2 -2 4 -4 1 -1 0)\necho "GDNCTL_METRIC {\\"step_ms\\": $(( $(cat speed.txt) + noise[n % 10] ))}"\n`;
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': noisy } });
  t.after(() => repo.dispose());
  const before = emu.jobs.size;
  const env = loopEnv(repo, [{ steps: [commitStep({ 'speed.txt': '97\n' })] }]);
  const a = args(['--bench-warmup-runs', '0']).map((x, i, all) => (all[i - 1] === '--max-bench-runs' ? '10' : x));
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...a], env);
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo).at(-1)!;
  const b = readJson(join(run, 'iter-001', 'bench.json'));
  assert.deepEqual([b.outcome, b.runs, (b.looks as unknown[]).length], ['promoted', 10, 2], String(b.reason));
  const jobs = jobsSince(before).filter((j) => j.metadata.gdnctl_kind === 'bench' && j.metadata.gdnctl_iteration === '1');
  assert.deepEqual(b.rayJobs, jobs.map((j) => j.submissionId));
  assert.equal(jobs.length, 2);
  // The second job goes on with pair 6 (B A): its plan starts with the candidate.
  assert.match(readFileSync(join(jobs[1]!.dir!, '.gdnctl-ray', 'plan.tsv'), 'utf8'), /^candidate\t6\tfalse\nchampion\t6\tfalse\n/);
  assert.equal(readJson(join(run, 'iter-001', 'ray-bench-2.json')).submissionId, jobs[1]!.submissionId);
});
