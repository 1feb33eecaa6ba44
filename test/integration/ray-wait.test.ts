import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeRayRepo } from '../helpers/ray-repo.js';
import { RayEmulator } from '../fakes/ray-emulator.js';
import { Interrupt } from '../../src/cli/interrupt.js';

let emu: RayEmulator;
let fixture: { repo: string; dispose(): void };
let home: string;

before(async () => {
  emu = await RayEmulator.start({ token: 'wait-token-0123456789' });
  fixture = makeRayRepo('gdnctl-raywait-');
  home = mkdtempSync(join(tmpdir(), 'gdnctl-rayhome-'));
  // The token from Ray's default file this time.
  mkdirSync(join(home, '.ray'));
  writeFileSync(join(home, '.ray', 'auth_token'), 'wait-token-0123456789\n');
});

after(async () => {
  await emu.stop();
  fixture.dispose();
  rmSync(home, { recursive: true, force: true });
});

async function submit(extra: string[]): Promise<string> {
  const r = await runCli(['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '--no-wait', ...extra], { cwd: fixture.repo, env: { HOME: home } });
  assert.equal(r.code, 0, r.stderr);
  return /submission_id=(\S+)/.exec(r.stdout)![1]!;
}

test('ray-wait follows a --no-wait job to its end; ray-logs tails and greps it; an unknown id is exit 4', async () => {
  writeFileSync(join(fixture.repo, 'FAIL'), '');
  const id = await submit([]);
  rmSync(join(fixture.repo, 'FAIL'));
  const w = await runCli(['ray-wait', id, '--ray-address', emu.address, '--poll', '0.2', '--show-logs', '--json'], { cwd: fixture.repo, env: { HOME: home } });
  assert.equal(w.code, 1, w.stderr);
  const report = JSON.parse(w.stdout);
  assert.deepEqual([report.status, report.summary.failed], ['FAILED', 1]);
  assert.match(w.stderr, /^\[ray\] collected 3 items$/m);
  const l = await runCli(['ray-logs', id, '--ray-address', emu.address, '--tail', '1', '--grep', '^(collected|args)'], { cwd: fixture.repo, env: { HOME: home } });
  assert.equal(l.code, 0, l.stderr);
  assert.equal(l.stdout, 'args: test_kernels.py\n');
  const u = await runCli(['ray-wait', 'no-such-job', '--ray-address', emu.address], { cwd: fixture.repo, env: { HOME: home } });
  assert.equal(u.code, 4, u.stderr);
  assert.match(u.stderr, /has no job no-such-job/);
});

test('an interrupted ray-wait leaves the job running; --timeout stops it', async () => {
  const id = await submit(['-e', 'SLEEP=30']);
  const interrupt = new Interrupt();
  setTimeout(() => interrupt.fire('SIGTERM'), 800);
  const w = await runCli(['ray-wait', id, '--ray-address', emu.address, '--poll', '0.2'], { cwd: fixture.repo, env: { HOME: home }, interrupt });
  assert.equal(w.code, 130, w.stderr);
  assert.equal(emu.jobs.get(id)!.status, 'RUNNING');
  const t = await runCli(['ray-wait', id, '--ray-address', emu.address, '--poll', '0.2', '--timeout', '0.5'], { cwd: fixture.repo, env: { HOME: home } });
  assert.equal(t.code, 1, t.stderr);
  assert.equal((await emu.settled(id)).status, 'STOPPED');
});
