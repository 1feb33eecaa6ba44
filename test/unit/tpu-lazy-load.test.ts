import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { makeProgram } from '../../src/cli/program.js';
import { Interrupt } from '../../src/cli/interrupt.js';

// google-gax (~30 MB with its stack) must load only on TPU code paths; `--help` of the TPU commands must not
// pull it in. CJS modules imported from ESM land in require.cache, so their absence there is the proof.
test('gdnctl --help and the dev-tpu-* help load no google-gax / @google-cloud/tpu', async () => {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  for (const argv of [['--help'], ['dev-tpu-allocate', '--help'], ['dev-tpu-status', '--help'], ['dev-tpu-release', '--help']]) {
    const cli = makeProgram({ stdout: sink, stderr: sink, env: {}, cwd: process.cwd(), interrupt: new Interrupt() });
    assert.equal(await cli.run(argv), 0);
  }
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  assert.deepEqual(loaded.filter((k) => /google-gax|@google-cloud[/\\]tpu|google-auth-library/.test(k)), []);
  // The check itself can fail: loading the client shows up in the same cache.
  await import('@google-cloud/tpu');
  assert.ok(Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('google-gax')));
});
