import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SshWorkers } from '../helpers/sshd.js';
import { startDevTpuRepo, type DevTpuRepo } from '../helpers/dev-tpu-repo.js';
import { runCli } from '../helpers/cli.js';
import { Interrupt } from '../../src/cli/interrupt.js';

let fixture: DevTpuRepo;
let workers: SshWorkers;
let repo: string;
const SECRET = 'hf_test_secret_value_0123456789';

/**
 * A stand-in for `uv run pytest`: prints what it saw and a pytest summary line. It fails on the worker whose
 * address is in FAIL_ON, so one command line yields different codes per worker.
 */
const FAKE_PYTEST = `#!/bin/sh
echo "collected 3 items"
echo "args: $*"
echo "seen: HF=\${#HF_TOKEN} EQX=$EQX_ON_ERROR WANDB=$WANDB_MODE EMPTY=[$EMPTY] FOO=$FOO"
echo "echo-secret: $HF_TOKEN"
me=\${SSH_CONNECTION% *}; me=\${me##* }
if [ -n "$FAIL_ON" ] && [ "$me" = "$FAIL_ON" ]; then echo "==== 1 failed, 2 passed in 0.12s ===="; exit 1; fi
echo "==== 3 passed, 1 skipped in 0.10s ===="
`;

before(async () => {
  fixture = await startDevTpuRepo('gdnctl-devtest-', {
    'tests/fake_pytest.sh': FAKE_PYTEST,
    '.gitignore': '.venv/\n',
    'gdnctl.yaml': [
      'testSuites:',
      '  kernels: { cwd: tests, command: "sh fake_pytest.sh", files: [test_kernels.py] }',
      '  layer: { cwd: tests, command: "sh fake_pytest.sh", files: [test_layer.py] }',
      '  extra: { cwd: ., command: "echo extra-suite-ran", files: [] }',
      '',
    ].join('\n'),
  });
  ({ workers, repo } = fixture);
});

after(async () => {
  await fixture.dispose();
});

function sshFlags(extra: { retries?: number } = {}): string[] {
  return [
    ...fixture.sshFlags(), '--ssh-connect-timeout-seconds', '3',
    '--ssh-retries', String(extra.retries ?? 1), '--ssh-retry-sleep-seconds', '0',
  ];
}

describe('gdnctl dev-tpu-test over real ssh', () => {
  test('both suites in one run on every worker: [wN] prefixes, env forwarded, summaries parsed, exit 0', async () => {
    const r = await runCli(['dev-tpu-test', ...sshFlags(), '--verbose', '--tests', 'both', '--pytest-args', '-x -k gdn', '-e', 'FOO=bar baz', '-e', 'EMPTY=', '--json'], {
      cwd: repo,
      env: { HF_TOKEN: SECRET },
    });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.ok, true);
    assert.deepEqual(report.suites, ['kernels', 'layer']);
    assert.equal(report.workers.length, 2);
    for (const w of report.workers) {
      assert.equal(w.exitCode, 0);
      assert.deepEqual([w.summary.passed, w.summary.skipped, w.summary.failed, w.summary.durationS], [3, 1, 0, 0.1]);
    }
    assert.match(r.stderr, /^\[w0\] args: test_kernels\.py test_layer\.py -x -k gdn$/m);
    assert.match(r.stderr, /^\[w1\] args: test_kernels\.py test_layer\.py -x -k gdn$/m);
    assert.match(r.stderr, new RegExp(`^\\[w0\\] seen: HF=${SECRET.length} EQX=nan WANDB=offline EMPTY=\\[\\] FOO=bar baz$`, 'm'));
    assert.match(r.stderr, /^\[w1\] echo-secret: \[redacted\]$/m);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), 'secret value printed');
    assert.match(r.stderr, /DEBUG.*ssh attempt 1\/1: ssh -T -p /, 'debug log of the ssh argv missing');
    // The sync put the repository at ~/<repo folder name>.
    assert.ok(existsSync(join(process.env.HOME ?? '/root', basename(repo), 'tests', 'fake_pytest.sh')));
  });

  test('one worker fails → exit 1, each worker keeps its raw code', async () => {
    const r = await runCli(['dev-tpu-test', ...sshFlags(), '--no-sync', '--tests', 'kernels', '-e', `FAIL_ON=${workers.hosts[1]}`, '--json'], { cwd: repo });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.workers.map((w: { exitCode: number }) => w.exitCode), [0, 1]);
    assert.equal(report.workers[1].summary.failed, 1);
  });

  test('one worker unreachable → exit 4 after the configured attempts, flagged in --json', async () => {
    const r = await runCli(
      ['dev-tpu-test', ...sshFlags({ retries: 2 }), '--worker-host', '127.0.0.9', '--no-sync', '--tests', 'extra', '--json'],
      { cwd: repo },
    );
    assert.equal(r.code, 4, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.workers.map((w: { unreachable: boolean }) => w.unreachable), [false, false, true]);
    assert.equal(report.workers[2].attempts, 2);
    assert.match(r.stderr, /\[w0\] extra-suite-ran/);
  });

  test('an unreachable worker during sync is exit 4', async () => {
    const r = await runCli(['dev-tpu-test', ...sshFlags({ retries: 1 }).slice(4), '--worker-host', '127.0.0.9', '--tests', 'extra'], { cwd: repo });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /unreachable/);
  });

  test('bad -e and unknown suites are exit 2 with one line each, nothing run', async () => {
    const bad = await runCli(['dev-tpu-test', ...sshFlags(), '-e', 'NOEQUALS', '-e', '1BAD=x', '--tests', 'both'], { cwd: repo });
    assert.equal(bad.code, 2);
    const lines = bad.stderr.trim().split('\n');
    assert.equal(lines.length, 2, bad.stderr);
    assert.match(lines[0]!, /"NOEQUALS": expected KEY=VALUE/);
    assert.match(lines[1]!, /"1BAD" is not a valid variable name/);
    assert.ok(!bad.stderr.includes('[w0]'));
    const unknown = await runCli(['dev-tpu-test', ...sshFlags(), '--tests', 'nope'], { cwd: repo });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown suite "nope"; choose one of kernels\|layer\|extra\|both\|all/);
  });

  test('--accelerator local runs the same suites here, without ssh', async () => {
    const r = await runCli(['dev-tpu-test', '--accelerator', 'local', '--tests', 'all', '--json'], { cwd: repo, env: { HF_TOKEN: SECRET } });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.target.source, 'local');
    assert.deepEqual(report.suites, ['kernels', 'layer', 'extra']);
    assert.match(r.stderr, /^\[local\] extra-suite-ran$/m);
    assert.match(r.stderr, /^\[local\] args: test_kernels\.py test_layer\.py$/m);
    assert.ok(!r.stderr.includes(SECRET));
    const failing = await runCli(['dev-tpu-test', '--accelerator', 'local', '--tests', 'kernels', '-e', 'FAIL_ON=', '--pytest-args', '; exit 5'], { cwd: repo });
    assert.equal(failing.code, 1);
  });

  test('an interrupt ends a local run and everything it started; exit 130', async () => {
    const tag = `gdnctl-int-${process.pid}`;
    const interrupt = new Interrupt();
    const started = Date.now();
    setTimeout(() => interrupt.fire('SIGINT'), 700);
    const r = await runCli(
      ['dev-tpu-test', '--accelerator', 'local', '--tests', 'extra', '--test-suites', JSON.stringify({ extra: { cwd: '.', command: `sleep 0.1; (exec -a ${tag} sleep 30); echo`, files: [] } })],
      { cwd: repo, interrupt },
    );
    assert.equal(r.code, 130);
    assert.ok(Date.now() - started < 10_000);
    await new Promise((res) => setTimeout(res, 300));
    assert.throws(() => execFileSync('pgrep', ['-f', tag]), 'the grandchild survived');
  });

  test('no TPU held and no flags → exit 4 with the fix', async () => {
    const r = await runCli(['dev-tpu-test', '--tests', 'both'], { cwd: repo });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /no TPU to run on.*--accelerator local/);
    assert.equal(readFileSync(join(repo, 'gdnctl.yaml'), 'utf8').includes('testSuites'), true);
  });
});
