import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runRayJobsContract } from '../contract/ray-jobs-contract.js';
import { RayEmulator } from '../fakes/ray-emulator.js';
import { RayJobsHttp } from '../../src/adapters/ray/ray-jobs-http.js';
import { createRedactor } from '../../src/redact.js';
import { ResourceError } from '../../src/errors.js';

const TOKEN = 'ray-contract-token-0123456789';

describe('RayJobsHttp against the Ray Jobs emulator', () => {
  runRayJobsContract('RayJobsHttp', async () => {
    const emu = await RayEmulator.start({ token: TOKEN });
    const jobs = new RayJobsHttp({ address: emu.address, token: { token: TOKEN, source: 'RAY_AUTH_TOKEN', tried: ['RAY_AUTH_TOKEN'] }, redact: createRedactor({}) });
    return { jobs, dispose: () => emu.stop() };
  });

  test('503s and dropped connections are retried; a submit whose reply was lost is not a duplicate', async () => {
    const emu = await RayEmulator.start();
    try {
      const jobs = new RayJobsHttp({ address: emu.address, token: { tried: [] }, redact: createRedactor({}), retryBaseMs: 5 });
      emu.faults.unavailable = 2;
      assert.match((await jobs.version()).rayVersion, /^2\./);
      // The emulator creates the job, then the reply is lost; the retry finds the id taken.
      emu.faults.dropReply = 1;
      assert.deepEqual(await jobs.submit({ submissionId: 'once', entrypoint: 'true' }), { kind: 'submitted' });
      assert.equal(emu.jobs.size, 1);
      assert.deepEqual(await jobs.submit({ submissionId: 'once', entrypoint: 'true' }), { kind: 'duplicate', message: 'Job with submission_id once already exists. Please use a different submission_id.' });
      emu.faults.drop = 1;
      assert.equal((await jobs.status('once'))?.submissionId, 'once');
      assert.equal(emu.requests.filter((r) => r.status === 0).length, 2);
      assert.equal(emu.requests.filter((r) => r.status === 503).length, 2);
    } finally {
      await emu.stop();
    }
  });

  test('a slow start is PENDING first, then runs to SUCCEEDED', async () => {
    const emu = await RayEmulator.start();
    try {
      const jobs = new RayJobsHttp({ address: emu.address, token: { tried: [] }, redact: createRedactor({}) });
      emu.faults.slowStartMs = 600;
      await jobs.submit({ submissionId: 'slow', entrypoint: 'echo late' });
      assert.equal((await jobs.status('slow'))?.status, 'PENDING');
      assert.equal(await jobs.logs('slow'), '');
      assert.equal((await emu.settled('slow')).status, 'SUCCEEDED');
      assert.equal(await jobs.logs('slow'), 'late\n');
    } finally {
      await emu.stop();
    }
  });

  test('a cluster that never answers is a ResourceError naming the address', async () => {
    const emu = await RayEmulator.start();
    const address = emu.address;
    await emu.stop();
    const jobs = new RayJobsHttp({ address, token: { tried: [] }, redact: createRedactor({}), retries: 1, retryBaseMs: 5 });
    await assert.rejects(jobs.version(), (e: unknown) => e instanceof ResourceError && e.message.includes(`ray cluster at ${address} unreachable`));
  });

  test('a refused token is a ResourceError naming the source and every source tried, never the token', async () => {
    const emu = await RayEmulator.start({ token: TOKEN });
    try {
      const wrong = 'wrong-token-value-987654321';
      const jobs = new RayJobsHttp({ address: emu.address, token: { token: wrong, source: '~/.ray/auth_token', tried: ['RAY_AUTH_TOKEN', '~/.ray/auth_token'] }, redact: createRedactor({ RAY_AUTH_TOKEN: wrong }) });
      await assert.rejects(jobs.version(), (e: unknown) => {
        const m = (e as Error).message;
        return e instanceof ResourceError && /HTTP 403/.test(m) && /from ~\/\.ray\/auth_token/.test(m) && /tried: RAY_AUTH_TOKEN, ~\/\.ray\/auth_token/.test(m) && !m.includes(wrong);
      });
      const none = new RayJobsHttp({ address: emu.address, token: { tried: ['RAY_AUTH_TOKEN'] }, redact: createRedactor({}) });
      await assert.rejects(none.version(), /HTTP 401/);
    } finally {
      await emu.stop();
    }
  });
});
