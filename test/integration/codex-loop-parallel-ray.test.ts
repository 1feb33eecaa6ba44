/**
 * `--parallel 2 --validation ray`: each candidate's post-check `gdnctl dev-tpu-test` submits its own Ray job to
 * the emulator, with its own worktree as the package and metadata naming the run, round, candidate and
 * iteration; the two jobs run at the same time. The post-checks run the built bin/gdnctl: `npm run build` first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { FAST, loopEnv, readJson, ROOT, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';
import { RayEmulator } from '../fakes/ray-emulator.js';

let emu: RayEmulator;
before(async () => {
  emu = await RayEmulator.start();
});
after(async () => {
  await emu.stop();
});

const LOG = 'notes/hillclimb.md';
const AGENT = [
  'slot=$(basename "$PWD")',
  'n=$(git rev-list --count HEAD)',
  'echo "work of $slot" > "work-$slot.txt"',
  'mkdir -p notes',
  'printf "# log\\n\\n### Iteration %s - try %s\\n- Commit: this commit\\n" "$n" "$slot" >> notes/hillclimb.md',
  'git add -A && git commit -qm "agent change in $slot"',
].join(' && ');

test('--parallel 2 --validation ray: two concurrent Ray jobs, each with its candidate\'s tree and metadata', async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build');
  const repo = await TempRepo.create({
    files: {
      'a.txt': 'a\n',
      // Long enough that two jobs started together are seen running together.
      'gdnctl.yaml': 'testSuites:\n  kernels: { cwd: ., command: "sleep 1.5; cat work-*.txt; echo \'==== 1 passed in 1.50s ====\'", files: [] }\n',
    },
  });
  t.after(() => repo.dispose());
  const before = new Set(emu.jobs.keys());
  const r = await runLoopInProcess(
    repo,
    ['--iterations', '2', '--parallel', '2', ...FAST, '--hillclimb-log', LOG, '--validation', 'ray', '--ray-address', emu.address, '--ray-poll-seconds', '0.2',
      '--post-check', 'gdnctl dev-tpu-test --tests kernels'],
    loopEnv(repo, [{ steps: [{ do: 'shell', cmd: AGENT }] }]),
  );
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo)[0]!;
  const jobs = [...emu.jobs.values()].filter((j) => !before.has(j.submissionId)).sort((a, b) => Number(a.metadata.gdnctl_candidate) - Number(b.metadata.gdnctl_candidate));
  assert.equal(jobs.length, 2, jobs.map((j) => j.submissionId).join(' '));
  for (const [k, j] of jobs.entries()) {
    const slot = k + 1;
    assert.equal(j.status, 'SUCCEEDED', j.logs);
    assert.deepEqual(
      [j.metadata.gdnctl_kind, j.metadata.gdnctl_run, j.metadata.gdnctl_round, j.metadata.gdnctl_candidate, j.metadata.gdnctl_iteration],
      ['test', basename(run), '1', String(slot), String(slot)],
    );
    // The package is the candidate's worktree: its own work file and nothing of the other's.
    assert.match(j.logs, new RegExp(`^work of c${slot}$`, 'm'), j.logs);
    assert.doesNotMatch(j.logs, new RegExp(`work of c${3 - slot}`));
    const rec = readJson(join(run, `iter-00${slot}`, 'ray-test.json'));
    assert.equal(rec.submissionId, j.submissionId);
    assert.equal(readJson(join(run, `iter-00${slot}`, 'validation-test.json')).engine, 'ray');
  }
  const [a, b] = jobs as [typeof jobs[0], typeof jobs[0]];
  assert.ok(a.startTime < b.endTime! && b.startTime < a.endTime!, `the jobs overlap: ${a.startTime}–${a.endTime} and ${b.startTime}–${b.endTime}`);
});
