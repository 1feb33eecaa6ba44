/**
 * The built bin/gdnctl under a real signal: SIGTERM and SIGHUP while a ray-test job runs stop the job
 * (POST /api/jobs/<id>/stop) and exit 130; after a SIGKILL (no cleanup at all) the same post-check run again in
 * the iteration re-attaches to the job still running instead of submitting a second one. Needs `npm run build`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/loop-harness.js';
import { makeRayRepo } from '../helpers/ray-repo.js';
import { RayEmulator } from '../fakes/ray-emulator.js';

const BIN = join(ROOT, 'bin', 'gdnctl');
let emu: RayEmulator;
let fixture: { repo: string; dispose(): void };

before(async () => {
  emu = await RayEmulator.start({ token: 'e2e-ray-token-0123456789' });
  fixture = makeRayRepo('gdnctl-raysig-');
});
after(async () => {
  await emu.stop();
  fixture.dispose();
});

function start(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { done: Promise<number | null>; output: () => string; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: fixture.repo,
    env: { PATH: process.env.PATH, HOME: fixture.repo, RAY_AUTH_TOKEN: 'e2e-ray-token-0123456789', NO_COLOR: '1', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  return { done: new Promise((r) => child.once('exit', (code) => r(code))), output: () => out, kill: (s) => child.kill(s) };
}

async function until(p: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !p(); i++) await new Promise((r) => setTimeout(r, 50));
}

test('SIGKILL mid-job, then the same post-check again: it re-attaches to the running job (one submission)', async () => {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build');
  const runDir = mkdtempSync(join(tmpdir(), 'gdnctl-raykill-'));
  const iterDir = join(runDir, 'iter-004');
  mkdirSync(iterDir);
  try {
    const args = ['ray-test', '--ray-address', emu.address, '--tests', 'kernels', '-e', 'SLEEP=3', '--ray-poll-seconds', '0.2'];
    const env = { GDNCTL_ITER_DIR: iterDir, GDNCTL_ITERATION: '4' };
    const first = start(args, env);
    await until(() => /\[ray\] collected 3 items/.test(first.output()));
    first.kill('SIGKILL');
    await first.done;
    const rec = JSON.parse(readFileSync(join(iterDir, 'ray-test.json'), 'utf8'));
    assert.equal(rec.state, 'submitted');
    assert.equal(emu.jobs.get(rec.submissionId)!.status, 'RUNNING');
    const jobs = emu.jobs.size;
    const again = start(args, env);
    assert.equal(await again.done, 0, again.output());
    assert.match(again.output(), new RegExp(`re-attaching to ${rec.submissionId}`));
    assert.equal(emu.jobs.size, jobs, 'submitted twice');
    assert.equal(emu.jobs.get(rec.submissionId)!.status, 'SUCCEEDED');
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
});

for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} while the job runs: the job is STOPPED, exit 130`, async () => {
    assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build');
    const before = new Set(emu.jobs.keys());
    const child = spawn(process.execPath, [BIN, 'ray-test', '--ray-address', emu.address, '--tests', 'kernels', '-e', 'SLEEP=30', '--ray-poll-seconds', '0.2'], {
      cwd: fixture.repo,
      env: { PATH: process.env.PATH, HOME: fixture.repo, RAY_AUTH_TOKEN: 'e2e-ray-token-0123456789', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // Send the signal once the job's output shows it is running.
    for (let i = 0; i < 200 && !/\[ray\] collected 3 items/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /\[ray\] collected 3 items/);
    child.kill(signal);
    assert.equal(await exited, 130, out);
    const id = [...emu.jobs.keys()].find((k) => !before.has(k))!;
    assert.equal((await emu.settled(id)).status, 'STOPPED');
    assert.ok(!out.includes('e2e-ray-token-0123456789'));
  });
}
