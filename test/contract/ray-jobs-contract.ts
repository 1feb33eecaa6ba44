/**
 * The behaviour of the RayJobs port (src/ports/ray.ts), registered against any implementation: the HTTP
 * adapter against the Ray Jobs emulator (test/integration/ray-jobs-http.test.ts) and the in-memory fake
 * (test/unit/ray-fake.test.ts). Entrypoints stay within what both run: echo, cat, sleep, exit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zipSync } from 'fflate';
import { isTerminal, type RayJobInfo, type RayJobs } from '../../src/ports/ray.js';

export interface RayJobsHarness {
  jobs: RayJobs;
  dispose(): Promise<void>;
}

async function settle(jobs: RayJobs, id: string): Promise<RayJobInfo> {
  for (let i = 0; i < 400; i++) {
    const s = await jobs.status(id);
    assert.ok(s, `job ${id} vanished`);
    if (isTerminal(s.status)) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not end`);
}

async function until(jobs: RayJobs, id: string, status: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await jobs.status(id))?.status === status) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} never reached ${status}`);
}

function pkg(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new TextEncoder().encode(v)])));
}

export function runRayJobsContract(name: string, make: () => Promise<RayJobsHarness>): void {
  const withJobs = async (fn: (jobs: RayJobs) => Promise<void>): Promise<void> => {
    const h = await make();
    try {
      await fn(h.jobs);
    } finally {
      await h.dispose();
    }
  };

  test(`${name}: version names the Ray version`, () =>
    withJobs(async (jobs) => {
      const v = await jobs.version();
      assert.match(v.rayVersion, /^\d+\.\d+/);
    }));

  test(`${name}: a package is absent until uploaded; a job reads its files and env vars, and succeeds`, () =>
    withJobs(async (jobs) => {
      const uri = 'gcs://_ray_pkg_contract01.zip';
      assert.equal(await jobs.packageExists(uri), false);
      await jobs.uploadPackage(uri, pkg({ 'hello.txt': 'from the package\n' }));
      assert.equal(await jobs.packageExists(uri), true);
      const r = await jobs.submit({ submissionId: 'contract-ok', entrypoint: 'cat hello.txt; echo seen $FOO', workingDir: uri, envVars: { FOO: 'bar' }, metadata: { gdnctl: 'contract' } });
      assert.deepEqual(r, { kind: 'submitted' });
      const s = await settle(jobs, 'contract-ok');
      assert.equal(s.status, 'SUCCEEDED');
      assert.equal(s.driverExitCode, 0);
      assert.equal(s.metadata?.gdnctl, 'contract');
      assert.equal(await jobs.logs('contract-ok'), 'from the package\nseen bar\n');
    }));

  test(`${name}: a failing entrypoint is FAILED with its exit code; the same submission id is refused`, () =>
    withJobs(async (jobs) => {
      await jobs.submit({ submissionId: 'contract-fail', entrypoint: 'echo about to fail; exit 3' });
      const s = await settle(jobs, 'contract-fail');
      assert.equal(s.status, 'FAILED');
      assert.equal(s.driverExitCode, 3);
      assert.match(await jobs.logs('contract-fail'), /about to fail/);
      const again = await jobs.submit({ submissionId: 'contract-fail', entrypoint: 'exit 0' });
      assert.equal(again.kind, 'duplicate');
    }));

  test(`${name}: a running job stops once; an unknown id has no status and cannot be stopped`, () =>
    withJobs(async (jobs) => {
      await jobs.submit({ submissionId: 'contract-long', entrypoint: 'echo started; sleep 30' });
      await until(jobs, 'contract-long', 'RUNNING');
      assert.equal(await jobs.stop('contract-long'), true);
      const s = await settle(jobs, 'contract-long');
      assert.equal(s.status, 'STOPPED');
      assert.equal(await jobs.stop('contract-long'), false);
      assert.equal(await jobs.status('no-such-job'), undefined);
      assert.equal(await jobs.stop('no-such-job'), false);
    }));
}
