/**
 * `--validation auto|ray` (docs/ray.md): a post-check `gdnctl dev-tpu-test` whose dev TPU cannot be had falls
 * back to a Ray job, and the iteration records which engine ran. The post-checks run the built bin/gdnctl:
 * `npm run build` first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, readJson, ROOT, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';
import { runCli } from '../helpers/cli.js';
import { makeRayRepo } from '../helpers/ray-repo.js';
import { RayEmulator } from '../fakes/ray-emulator.js';

let emu: RayEmulator;
before(async () => {
  emu = await RayEmulator.start();
});
after(async () => {
  await emu.stop();
});

/** A dev TPU that cannot be had: its only worker refuses ssh. */
const DEAD_TPU = '--worker-host 127.0.0.9 --ssh-port 1 --ssh-retries 1 --ssh-retry-sleep-seconds 0 --ssh-connect-timeout-seconds 1';

test('a loop whose post-check cannot get the dev TPU validates on Ray (--validation auto) and records it', async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build');
  const repo = await TempRepo.create({
    files: {
      'a.txt': 'a\n',
      'tests/check.sh': 'echo "checked $(cat ../a.txt)"\n[ "$(cat ../a.txt)" = b ] || exit 1\necho "==== 2 passed in 0.01s ===="\n',
      'gdnctl.yaml': 'testSuites:\n  kernels: { cwd: tests, command: "sh check.sh", files: [] }\n',
    },
  });
  t.after(() => repo.dispose());
  const r = await runLoopInProcess(
    repo,
    ['--iterations', '1', ...FAST, '--validation', 'auto', '--ray-address', emu.address, '--ray-poll-seconds', '0.2', '--post-check', `gdnctl dev-tpu-test --tests kernels ${DEAD_TPU}`],
    loopEnv(repo, [{ steps: [commitStep({ 'a.txt': 'b\n' })] }]),
  );
  assert.equal(r.code, 0, r.stderr);
  const iterDir = join(runDirs(repo).at(-1)!, 'iter-001');
  assert.equal(readJson(join(iterDir, 'record.json')).outcome, 'kept');
  const v = readJson(join(iterDir, 'validation-test.json'));
  assert.deepEqual([v.engine, v.requested, v.fellBackFrom, v.exitCode], ['ray', 'auto', 4, 0]);
  const job = readJson(join(iterDir, 'ray-test.json'));
  assert.equal(job.state, 'ended');
  assert.equal(emu.jobs.get(String(job.submissionId))!.status, 'SUCCEEDED');
  assert.match(readFileSync(join(iterDir, 'post-check-1.log'), 'utf8'), /\[ray\] checked b/);
});

test('auto keeps a dev TPU result (tests failed there: no fallback); ray goes straight to Ray; no Ray cluster is exit 2', async () => {
  const fixture = makeRayRepo('gdnctl-rayval-');
  const iterDir = join(mkdtempSync(join(tmpdir(), 'gdnctl-rayval-run-')), 'iter-001');
  mkdirSync(iterDir);
  try {
    const env = { HOME: fixture.repo, GDNCTL_ITER_DIR: iterDir, GDNCTL_RAY_ADDRESS: emu.address };
    const jobs = emu.jobs.size;
    writeFileSync(join(fixture.repo, 'FAIL'), '');
    const failed = await runCli(['dev-tpu-test', '--accelerator', 'local', '--tests', 'kernels', '--validation', 'auto'], { cwd: fixture.repo, env });
    rmSync(join(fixture.repo, 'FAIL'));
    assert.equal(failed.code, 1, failed.stderr);
    assert.equal(readJson(join(iterDir, 'validation-test.json')).engine, 'dev-tpu');
    assert.equal(emu.jobs.size, jobs, 'a Ray job ran although the dev TPU answered');
    const ray = await runCli(['dev-tpu-test', '--tests', 'kernels', '--validation', 'ray', '--json'], { cwd: fixture.repo, env });
    assert.equal(ray.code, 0, ray.stderr);
    assert.equal(JSON.parse(ray.stdout).status, 'SUCCEEDED');
    assert.equal(readJson(join(iterDir, 'validation-test.json')).engine, 'ray');
    const none = await runCli(['dev-tpu-test', '--tests', 'kernels', '--validation', 'auto'], { cwd: fixture.repo, env: { HOME: fixture.repo } });
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /no Ray cluster given/);
  } finally {
    fixture.dispose();
    rmSync(join(iterDir, '..'), { recursive: true, force: true });
  }
});
