import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { capture } from '../../src/adapters/process/capture.js';

const cwd = tmpdir();

test('capture returns the exit code and both streams whole, and never rejects', async () => {
  const ok = await capture('bash', ['-c', 'printf "a\\nb"; printf err >&2'], { cwd });
  assert.deepEqual(ok, { exitCode: 0, stdout: 'a\nb', stderr: 'err' });
  const failed = await capture('bash', ['-c', 'echo out; exit 3'], { cwd });
  assert.equal(failed.exitCode, 3);
  assert.equal(failed.stdout, 'out\n');
});

test('capture reports a command that cannot start or outlives its timeout as exit code null', async () => {
  assert.equal((await capture('gdnctl-no-such-command', [], { cwd })).exitCode, null);
  const refused = await capture('echo', ['a\0b'], { cwd });
  assert.equal(refused.exitCode, null);
  assert.match(refused.stderr, /null bytes/);
  const started = Date.now();
  const slow = await capture('sleep', ['5'], { cwd, timeoutMs: 100 });
  assert.equal(slow.exitCode, null);
  assert.ok(Date.now() - started < 4000, 'the timeout ended the command');
});

test('capture passes the given environment only, and the working directory', async () => {
  const r = await capture('bash', ['-c', 'echo "${GDNCTL_CAPTURE_X:-unset} $PWD"'], { cwd, env: { PATH: process.env.PATH, GDNCTL_CAPTURE_X: 'given' } });
  assert.equal(r.stdout.trim(), `given ${cwd}`);
});
