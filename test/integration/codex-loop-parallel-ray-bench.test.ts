/**
 * `--parallel 2 --bench-on ray` (docs/ray.md "--bench-on ray"): the run's baseline is one Ray job, each
 * candidate's A/B its own job (its worktree as the candidate tree, round and candidate in the metadata), the two
 * running at once, and the finalists' ranking one job holding both finalists' trees (f1/, f2/). The fastest is
 * promoted; no job is left running when the loop exits.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { events, FAST, loopEnv, readJson, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';
import { RayEmulator, type EmulatedJob } from '../fakes/ray-emulator.js';
import { Interrupt } from '../../src/cli/interrupt.js';
import { runProgram } from '../helpers/cli.js';

// Each run sleeps a little, so two candidates' jobs started together are seen running together.
const BENCH = 'sleep 0.15\necho "GDNCTL_METRIC {\\"step_ms\\": $(cat speed.txt)}"\n';
// Candidate 1 makes the tree 80, candidate 2 makes it 90 (the champion is 100): both beat it, 1 is faster.
const AGENT = [
  'slot=$(basename "$PWD")',
  'case "$slot" in c1) echo 80 > speed.txt;; *) echo 90 > speed.txt;; esac',
  'git add -A && git commit -qm "faster in $slot"',
].join(' && ');

let emu: RayEmulator;
before(async () => {
  emu = await RayEmulator.start();
});
after(async () => {
  await emu.stop();
});

test('--parallel 2 --bench-on ray: concurrent candidate jobs, one finalists\' job with both trees, the fastest promoted', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const seen = new Set(emu.jobs.keys());
  const r = await runLoopInProcess(repo, [
    ...FAST, '--iterations', '2', '--parallel', '2', '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower',
    '--baseline-runs', '3', '--max-bench-runs', '10', '--bench-on', 'ray', '--ray-address', emu.address, '--ray-poll-seconds', '0.1',
  ], loopEnv(repo, [{ steps: [{ do: 'shell', cmd: AGENT }] }]));
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo).at(-1)!;
  const jobs = [...emu.jobs.values()].filter((j) => !seen.has(j.submissionId));
  // Nothing left running once the loop has exited.
  assert.deepEqual(jobs.filter((j) => j.status === 'PENDING' || j.status === 'RUNNING').map((j) => j.submissionId), []);
  assert.ok(jobs.every((j) => j.status === 'SUCCEEDED' && j.metadata.gdnctl_kind === 'bench'), jobs.map((j) => `${j.submissionId} ${j.status}`).join('\n'));

  const baseline = jobs.filter((j) => j.metadata.gdnctl_batch === '1' && !j.metadata.gdnctl_champion);
  assert.equal(baseline.length, 1, 'the run\'s baseline is one Ray job');
  assert.deepEqual(readJson(join(run, 'baseline', 'baseline.json')).values, [100, 100, 100]);

  const cand = (slot: number): EmulatedJob[] => jobs.filter((j) => j.metadata.gdnctl_champion && j.metadata.gdnctl_candidate === String(slot));
  const [c1, c2] = [cand(1), cand(2)];
  assert.ok(c1.length >= 1 && c2.length >= 1, 'each candidate has its own decision jobs');
  for (const [slot, js] of [[1, c1], [2, c2]] as const) {
    for (const j of js) {
      assert.deepEqual([j.metadata.gdnctl_round, j.metadata.gdnctl_iteration, j.metadata.gdnctl_repo], ['1', String(slot), basename(repo.dir)]);
      // The package's candidate tree is the candidate's own worktree; the champion the round's base.
      assert.equal(readFileSync(join(j.dir!, 'candidate', 'speed.txt'), 'utf8').trim(), slot === 1 ? '80' : '90');
      assert.equal(readFileSync(join(j.dir!, 'champion', 'speed.txt'), 'utf8').trim(), '100');
    }
    const b = readJson(join(run, `iter-00${slot}`, 'bench.json'));
    assert.equal(b.benchOn, 'ray');
    assert.deepEqual(b.rayJobs, js.map((j) => j.submissionId));
  }
  const [a, b] = [c1[0]!, c2[0]!];
  assert.ok(a.startTime < b.endTime! && b.startTime < a.endTime!, `the candidates' jobs overlap: ${a.startTime}–${a.endTime} and ${b.startTime}–${b.endTime}`);

  const finalists = jobs.filter((j) => j.metadata.gdnctl_finalists !== undefined);
  assert.equal(finalists.length, 1, 'the ranking is one job');
  const f = finalists[0]!;
  assert.deepEqual([f.metadata.gdnctl_finalists, f.metadata.gdnctl_round, f.metadata.gdnctl_run], ['c1,c2', '1', basename(run)]);
  assert.equal(readFileSync(join(f.dir!, 'f1', 'speed.txt'), 'utf8').trim(), '80');
  assert.equal(readFileSync(join(f.dir!, 'f2', 'speed.txt'), 'utf8').trim(), '90');
  assert.ok(!existsSync(join(f.dir!, 'champion')) && !existsSync(join(f.dir!, 'candidate')));
  // Interleaved, rotated each pass, each finalist warmed up before its first measured run.
  assert.equal(readFileSync(join(f.dir!, '.gdnctl-ray', 'plan.tsv'), 'utf8'),
    'f1\t1\ttrue\nf1\t1\tfalse\nf2\t1\ttrue\nf2\t1\tfalse\nf2\t2\tfalse\nf1\t2\tfalse\nf1\t3\tfalse\nf2\t3\tfalse\n');
  assert.ok(existsSync(join(run, 'finalists')), 'the finalists\' job is recorded in the run');

  // The fastest is promoted onto the loop's branch.
  assert.equal(readFileSync(join(repo.dir, 'speed.txt'), 'utf8').trim(), '80');
  const promoted = events(run).filter((e) => e.type === 'candidate-promoted');
  assert.deepEqual(promoted.map((e) => e.slot), [1], JSON.stringify(promoted));
});

test('Ctrl-C during the finalists\' ranking job stops that job and exits 130', async (t) => {
  // The ranking's trees are f1/ and f2/: there the benchmark hangs until stopped.
  const bench = 'case "$(basename "$PWD")" in f*) sleep 60;; esac\n' + BENCH;
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': bench } });
  t.after(() => repo.dispose());
  const seen = new Set(emu.jobs.keys());
  const interrupt = new Interrupt();
  const ranking = (): EmulatedJob | undefined => [...emu.jobs.values()].find((j) => !seen.has(j.submissionId) && j.metadata.gdnctl_finalists !== undefined);
  const watch = setInterval(() => {
    if (ranking()?.status === 'RUNNING') {
      clearInterval(watch);
      interrupt.fire('SIGINT');
    }
  }, 50);
  t.after(() => clearInterval(watch));
  const r = await runProgram(['codex-loop',
    ...FAST, '--iterations', '2', '--parallel', '2', '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower',
    '--baseline-runs', '3', '--max-bench-runs', '10', '--bench-on', 'ray', '--ray-address', emu.address, '--ray-poll-seconds', '0.1',
  ], { cwd: repo.dir, env: loopEnv(repo, [{ steps: [{ do: 'shell', cmd: AGENT }] }]), interrupt });
  assert.equal(r.code, 130, r.stderr);
  const job = ranking();
  assert.ok(job, 'the ranking job was submitted');
  assert.equal((await emu.settled(job.submissionId)).status, 'STOPPED');
  const live = [...emu.jobs.values()].filter((j) => !seen.has(j.submissionId) && (j.status === 'PENDING' || j.status === 'RUNNING'));
  assert.deepEqual(live.map((j) => j.submissionId), [], 'no job left running');
  // The stopped ranking gave no values: the orchestrator's fallback orders the finalists by their medians.
  assert.equal(readFileSync(join(repo.dir, 'speed.txt'), 'utf8').trim(), '80');
});

test('--parallel 2 --bench-on ray without a Ray cluster is exit 2 with one line, nothing written', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const r = await runLoopInProcess(repo, [...FAST, '--iterations', '2', '--parallel', '2', '--bench', 'bash bench.sh', '--metric', 'step_ms', '--bench-on', 'ray'], loopEnv(repo, []));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--bench-on ray, but no Ray cluster given; pass --ray-address/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.deepEqual(runDirs(repo), []);
});
