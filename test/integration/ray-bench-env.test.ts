/**
 * `--bench-on ray` keys its measurements by the job's own host (docs/ray.md "The job's host"): the runner prints
 * the host's snapshot, bench.json and baseline.json carry its fingerprint, and a decision job that lands on
 * another TPU type re-baselines on Ray before deciding. The emulator's hostEnv plays the node each job lands on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, readJson, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';
import { RayEmulator, type EmulatedJob } from '../fakes/ray-emulator.js';
import { runProgram } from '../helpers/cli.js';

const BENCH = 'echo "GDNCTL_METRIC {\\"step_ms\\": $(cat speed.txt)}"\n';

let emu: RayEmulator;
before(async () => {
  emu = await RayEmulator.start();
});
after(async () => {
  await emu.stop();
});

const args = (): string[] => [
  ...FAST, '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--max-bench-runs', '5',
  '--bench-on', 'ray', '--ray-address', emu.address, '--ray-poll-seconds', '0.1', '--max-failures', '-1',
];
const jobsSince = (n: number): EmulatedJob[] => [...emu.jobs.values()].slice(n);
/** The first `n` jobs from `from` on land on a v4-8 host, later ones on a v5p-8 host. */
const switchAfter = (from: number, n: number) => (j: EmulatedJob): Record<string, string> => {
  const k = [...emu.jobs.values()].indexOf(j) - from;
  return { TPU_ACCELERATOR_TYPE: k < n ? 'v4-8' : 'v5p-8', XLA_FLAGS: '--xla_dump_to=/tmp/x' };
};

async function loop(repo: TempRepo, iterations: number, steps: Array<Record<string, string>>): Promise<{ run: string; stderr: string }> {
  const env = loopEnv(repo, steps.map((files) => ({ steps: [commitStep(files)] })));
  const r = await runLoopInProcess(repo, ['--iterations', String(iterations), ...args()], env);
  assert.equal(r.code, 0, r.stderr);
  return { run: runDirs(repo).at(-1)!, stderr: r.stderr };
}

test('the job host\'s snapshot lands in baseline.json, bench.json and env-snapshot.txt; the same type reuses the baseline', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const from = emu.jobs.size;
  emu.hostEnv = switchAfter(from, 100);
  const { run, stderr } = await loop(repo, 2, [{ 'speed.txt': '80\n' }, { 'speed.txt': '90\n' }]);
  assert.equal(jobsSince(from).length, 3, 'one baseline job and one job per decision: no re-baseline');
  const base = readJson(join(run, 'baseline', 'baseline.json'));
  assert.match(String(base.envLabel), /^v4-8 \(4 chips, 1 host\), runtime unknown, XLA_FLAGS=--xla_dump_to=\/tmp\/x on host \S+/);
  assert.match(String(base.envFingerprint), /^[0-9a-f]{16}$/);
  const snap = readFileSync(join(run, 'baseline', 'env-snapshot.txt'), 'utf8');
  assert.match(snap, /^# Environment snapshot \(the benchmark ran in a Ray job/);
  assert.match(snap, /Accelerator: TPU v4-8 \(from TPU_ACCELERATOR_TYPE\) on Ray cluster /);
  assert.match(snap, new RegExp(`Ray job: ${jobsSince(from)[0]!.submissionId}`));
  assert.match(snap, new RegExp(`Fingerprint: ${String(base.envFingerprint)}`));
  for (const i of [1, 2]) {
    const d = readJson(join(run, `iter-00${i}`, 'bench.json'));
    assert.equal(d.envFingerprint, base.envFingerprint);
    assert.equal(d.envLabel, base.envLabel);
    assert.match(readFileSync(join(run, `iter-00${i}`, 'env-snapshot.txt'), 'utf8'), new RegExp(`Ray job: ${jobsSince(from)[i]!.submissionId}`));
  }
  assert.deepEqual(readJson(join(run, 'iter-001', 'bench.json')).outcome, 'promoted');
  assert.doesNotMatch(stderr, /changed/);
});

test('a decision job on another TPU type: its samples are discarded, baseline and champion re-measured on Ray, decided again', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const from = emu.jobs.size;
  // Baseline, iteration 1's decision on v4-8; iteration 2's first job and everything after on v5p-8.
  emu.hostEnv = switchAfter(from, 2);
  const { run, stderr } = await loop(repo, 2, [{ 'speed.txt': '80\n' }, { 'speed.txt': '70\n' }]);
  const jobs = jobsSince(from);
  // baseline, decision 1, decision 2 (v5p: discarded), baseline again, champion again, decision 2 again.
  assert.equal(jobs.length, 6, jobs.map((j) => j.metadata.gdnctl_commit).join(' '));
  const lines = stderr.split('\n').filter((l) => /the TPU changed \(v4-8 .* → v5p-8 /.test(l));
  assert.ok(lines.length >= 1, stderr);
  assert.match(lines[0]!, /on host \S+ → v5p-8 \(4 chips, 1 host\).* on host \S+\)/);
  const base = readJson(join(run, 'baseline', 'baseline.json'));
  assert.match(String(base.envLabel), /^v5p-8 /);
  assert.match(String((base.replaced as { envLabel: string }).envLabel), /^v4-8 /);
  assert.ok(existsSync(join(run, 'baseline', `replaced-${String((base.replaced as { envFingerprint: string }).envFingerprint)}`, 'baseline.json')));
  assert.match(readFileSync(join(run, 'baseline', 'env-snapshot.txt'), 'utf8'), /Accelerator: TPU v5p-8/);
  // The baseline was re-measured at its own commit (speed 100), the champion at iteration 1's (80).
  const baseJob = jobs[3]!;
  assert.equal(baseJob.metadata.gdnctl_commit, base.head);
  assert.equal(readFileSync(join(baseJob.dir!, 'candidate', 'speed.txt'), 'utf8'), '100\n');
  assert.deepEqual(base.values, [100, 100, 100]);
  assert.equal(readFileSync(join(jobs[4]!.dir!, 'candidate', 'speed.txt'), 'utf8'), '80\n');
  const d2 = readJson(join(run, 'iter-002', 'bench.json'));
  assert.equal(d2.outcome, 'promoted');
  assert.match(String(d2.reason), /the TPU changed \(v4-8 .* → v5p-8 .*\); baseline and champion re-measured first: baseline 100\.0 → 100\.0, champion \S+ 80\.00 → 80\.00/);
  assert.equal(d2.envFingerprint, base.envFingerprint);
  assert.deepEqual(d2.rayJobs, [jobs[2]!.submissionId, jobs[5]!.submissionId]);
  // The v5p job's samples are in bench-samples.jsonl, discarded; the decision's values are the repeat's.
  const samples = readFileSync(join(run, 'iter-002', 'bench-samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { attempt: number; discarded?: boolean });
  assert.ok(samples.some((s) => s.attempt === 1 && s.discarded === true));
  assert.ok(samples.filter((s) => s.attempt === 2).every((s) => s.discarded !== true));
  assert.equal(readJson(join(run, 'champion.json')).source, 'promoted');
  assert.match(readFileSync(join(run, 'iter-002', 'env-snapshot.txt'), 'utf8'), /Accelerator: TPU v5p-8/);
});

test('a standalone baseline of the same HEAD measured on this machine is not reused on Ray: the job\'s host measures its own', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const local = await runProgram(['baseline', '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3'], { cwd: repo.dir, env: loopEnv(repo, []) });
  assert.equal(local.code, 0, local.stderr);
  const from = emu.jobs.size;
  emu.hostEnv = switchAfter(from, 100);
  const { run, stderr } = await loop(repo, 1, [{ 'speed.txt': '80\n' }]);
  assert.doesNotMatch(stderr, /reusing baseline/);
  assert.equal(jobsSince(from).length, 2, 'a baseline job, then the decision');
  assert.match(String(readJson(join(run, 'baseline', 'baseline.json')).envLabel), /^v4-8 /);
});
