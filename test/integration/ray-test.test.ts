import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeRayRepo } from '../helpers/ray-repo.js';
import { RayEmulator } from '../fakes/ray-emulator.js';
import { Interrupt } from '../../src/cli/interrupt.js';

const TOKEN = 'ray-cluster-token-abcdef0123456789';
const SECRET = 'hf_ray_secret_value_0123456789';
let emu: RayEmulator;
let fixture: { repo: string; dispose(): void };
let repo: string;
let home: string;

before(async () => {
  emu = await RayEmulator.start({ token: TOKEN });
  fixture = makeRayRepo('gdnctl-raytest-');
  repo = fixture.repo;
  home = mkdtempSync(join(tmpdir(), 'gdnctl-rayhome-'));
});

after(async () => {
  await emu.stop();
  fixture.dispose();
  rmSync(home, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HOME: home, RAY_AUTH_TOKEN: TOKEN, ...extra });

describe('gdnctl ray-test against the Ray Jobs emulator', () => {
  test('pass: the tree is uploaded once, the suites run in the job, logs stream as [ray] lines, exit 0', async () => {
    writeFileSync(join(repo, 'untracked.txt'), 'not ignored\n');
    writeFileSync(join(repo, 'ignored.txt'), 'ignored\n');
    const r = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'both', '--pytest-args', '-x', '-e', 'FOO=bar', '--ray-poll-seconds', '0.2', '--json'], { cwd: repo, env: env({ HF_TOKEN: SECRET }) });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'SUCCEEDED');
    assert.deepEqual([report.summary.passed, report.summary.skipped], [3, 1]);
    assert.equal(report.package.uploaded, true);
    assert.match(r.stderr, /^\[ray\] args: test_kernels\.py test_layer\.py -x$/m);
    assert.match(r.stderr, /^\[ray\] seen: EQX=nan WANDB=offline FOO=bar HF=30$/m);
    assert.match(r.stderr, /^\[ray\] echo-secret: \[redacted\]$/m);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET) && !r.stderr.includes(TOKEN), 'a secret was printed');
    const job = emu.jobs.get(report.submissionId)!;
    assert.ok(job.dir && existsSync(join(job.dir, 'untracked.txt')), 'untracked-not-ignored file missing from the package');
    assert.ok(!existsSync(join(job.dir, 'ignored.txt')), 'an ignored file was packaged');
    assert.equal(job.metadata.gdnctl_kind, 'test');
    // The record was written under the ledger, and a second run finds the package on the cluster.
    assert.ok(existsSync(join(repo, '.agents/logs/gdn_codex_loop/ray-jobs', `${report.submissionId}.json`)));
    const again = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '--json'], { cwd: repo, env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).package.uploaded, false);
    rmSync(join(repo, 'untracked.txt'));
    rmSync(join(repo, 'ignored.txt'));
  });

  test('fail: a failing suite is FAILED and exit 1; --tpu asks for the head resource', async () => {
    writeFileSync(join(repo, 'FAIL'), '');
    try {
      const r = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '--tpu', 'v5p-8', '--json'], { cwd: repo, env: env() });
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.deepEqual([report.status, report.driverExitCode, report.summary.failed], ['FAILED', 1, 1]);
      assert.deepEqual(emu.jobs.get(report.submissionId)!.entrypointResources, { 'TPU-v5p-8-head': 1 });
    } finally {
      rmSync(join(repo, 'FAIL'));
    }
  });

  test('a job that cannot start is exit 4; --no-wait prints the submission id and returns 0', async () => {
    emu.faults.failStart = true;
    try {
      const r = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels'], { cwd: repo, env: env() });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /could not start: Job supervisor actor failed to start/);
    } finally {
      emu.faults.failStart = false;
    }
    const n = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '--no-wait'], { cwd: repo, env: env() });
    assert.equal(n.code, 0, n.stderr);
    const id = /^submission_id=(\S+)$/m.exec(n.stdout)?.[1];
    assert.ok(id && emu.jobs.has(id), n.stdout);
    assert.equal((await emu.settled(id)).status, 'SUCCEEDED');
  });

  test('cluster down and a refused token are exit 4, one line each, the token never printed', async () => {
    const down = await RayEmulator.start();
    const address = down.address;
    await down.stop();
    const r = await runCli(['ray-test', '--ray-address', address, '--tests', 'kernels'], { cwd: repo, env: env() });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, new RegExp(`^gdnctl: ray cluster at ${address} unreachable`, 'm'));
    const wrong = 'not-the-cluster-token-42424242';
    const t = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels'], { cwd: repo, env: env({ RAY_AUTH_TOKEN: wrong }) });
    assert.equal(t.code, 4, t.stderr);
    assert.match(t.stderr, /refused the token from RAY_AUTH_TOKEN \(HTTP 403\); sources tried: RAY_AUTH_TOKEN/);
    assert.ok(!t.stderr.includes(wrong) && !t.stdout.includes(wrong));
  });

  test('--cluster NAME: the entry\'s address and its tokenPath (~ is the caller\'s home); that token is redacted', async () => {
    writeFileSync(join(home, 'team_token'), `${TOKEN}\n`);
    const clusters = JSON.stringify({ team: { address: emu.address, tokenPath: '~/team_token' } });
    // The job prints the token (as FOO): read from a file, it is in no variable, and still never shown.
    const r = await runCli(['ray-test', '--cluster', 'team', '--tests', 'kernels', '-e', `FOO=${TOKEN}`, '--json'], { cwd: repo, env: { HOME: home, GDNCTL_RAY_CLUSTERS: clusters } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\[ray\] seen: .*FOO=\[redacted\]/m);
    assert.ok(!r.stderr.includes(TOKEN) && !r.stdout.includes(TOKEN));
    assert.equal(JSON.parse(r.stdout).cluster, 'team');
    assert.match(r.stderr, /token from tokenPath \(.*team_token\)/);
  });

  test('Ctrl-C while the job runs stops it (POST /api/jobs/<id>/stop) and exits 130', async () => {
    const interrupt = new Interrupt();
    const before = emu.jobs.size;
    setTimeout(() => interrupt.fire('SIGINT'), 1500);
    const r = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '-e', 'SLEEP=30', '--ray-poll-seconds', '0.2'], { cwd: repo, env: env(), interrupt });
    assert.equal(r.code, 130, r.stderr);
    const job = [...emu.jobs.values()][before]!;
    assert.equal((await emu.settled(job.submissionId)).status, 'STOPPED');
    assert.ok(emu.requests.some((q) => q.method === 'POST' && q.path === `/api/jobs/${job.submissionId}/stop`));
  });

  test('a timeout stops the job and fails', async () => {
    const r = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '-e', 'SLEEP=30', '--ray-timeout-seconds', '1', '--ray-poll-seconds', '0.2'], { cwd: repo, env: env() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /timed out after 1 s; stopped/);
  });

  test('K candidates validate as K concurrent jobs, one per iteration folder, none waiting for another', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'gdnctl-rayrun-'));
    try {
      const started = Date.now();
      const runs = await Promise.all([1, 2, 3].map((k) => {
        const iterDir = join(runDir, `iter-00${k}`);
        mkdirSync(iterDir);
        return runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '-e', 'SLEEP=1', '--ray-poll-seconds', '0.2', '--json'], { cwd: repo, env: env({ GDNCTL_ITER_DIR: iterDir, GDNCTL_ITERATION: String(k) }) });
      }));
      const ids = runs.map((r) => (assert.equal(r.code, 0, r.stderr), JSON.parse(r.stdout).submissionId as string));
      assert.equal(new Set(ids).size, 3);
      const jobs = ids.map((id) => emu.jobs.get(id)!);
      // Overlapping lifetimes: every job started before any of them ended.
      assert.ok(Math.max(...jobs.map((j) => j.startTime)) < Math.min(...jobs.map((j) => j.endTime!)), 'the jobs ran one after another');
      assert.ok(Date.now() - started < 15_000);
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });

  test('a resumed iteration re-attaches to its running job instead of submitting twice', async () => {
    const iterDir = join(mkdtempSync(join(tmpdir(), 'gdnctl-rayrun-')), 'iter-003');
    mkdirSync(iterDir);
    const loopEnv = env({ GDNCTL_ITER_DIR: iterDir, GDNCTL_ITERATION: '3', SLEEP: '1' });
    const first = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '-e', 'SLEEP=1', '--no-wait'], { cwd: repo, env: loopEnv });
    assert.equal(first.code, 0, first.stderr);
    const id = /submission_id=(\S+)/.exec(first.stdout)![1]!;
    assert.match(id, /^gdnctl-test-iter003-/);
    // The resume moved the attempt's files aside.
    mkdirSync(join(iterDir, 'attempt-1'));
    writeFileSync(join(iterDir, 'attempt-1', 'ray-test.json'), readFileSync(join(iterDir, 'ray-test.json')));
    rmSync(join(iterDir, 'ray-test.json'));
    const jobs = emu.jobs.size;
    const second = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '-e', 'SLEEP=1', '--json'], { cwd: repo, env: loopEnv });
    assert.equal(second.code, 0, second.stderr);
    const report = JSON.parse(second.stdout);
    assert.deepEqual([report.submissionId, report.reattached], [id, true]);
    assert.equal(emu.jobs.size, jobs, 'submitted twice');
    assert.equal(JSON.parse(readFileSync(join(iterDir, 'ray-test.json'), 'utf8')).state, 'ended');
    assert.equal(JSON.parse(readFileSync(join(iterDir, 'attempt-1', 'ray-test.json'), 'utf8')).state, 'ended');
    assert.deepEqual(readdirSync(iterDir).sort(), ['attempt-1', 'ray-test.json']);
    // A retry of the post-check in the same iteration runs the tests again: a new job.
    const retry = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '--json'], { cwd: repo, env: loopEnv });
    assert.equal(retry.code, 0, retry.stderr);
    assert.notEqual(JSON.parse(retry.stdout).submissionId, id);
    assert.equal(emu.jobs.size, jobs + 1);
  });
});

describe('ray-test bad input: exit 2, nothing submitted', () => {
  const cases: Array<[string, string[], NodeJS.ProcessEnv, RegExp]> = [
    ['--ray-address not a URL', ['--ray-address', 'ray-head:8265'], {}, /--ray-address "ray-head:8265" is not a URL; give the dashboard address, e\.g\. http:\/\/HOST:8265/],
    ['token mode with no token anywhere', ['--ray-address', 'http://127.0.0.1:1'], { RAY_AUTH_TOKEN: '', RAY_AUTH_MODE: 'token' }, /RAY_AUTH_MODE=token but no Ray token was found/],
    ['an unknown suite', ['--ray-address', 'http://127.0.0.1:1', '--tests', 'nope'], {}, /--tests nope: unknown suite "nope"/],
    ['an unknown cluster', ['--cluster', 'team'], {}, /--cluster team: not in rayClusters/],
    ['no cluster at all', [], {}, /no Ray cluster given/],
  ];
  for (const [name, args, extra, re] of cases) {
    test(name, async () => {
      const jobs = emu.jobs.size;
      const r = await runCli(['ray-test', ...args], { cwd: repo, env: env(extra) });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(emu.jobs.size, jobs);
    });
  }
});
