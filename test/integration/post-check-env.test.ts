import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';
import { postCheckEnv, runPostChecks } from '../../src/core/loop/post-check-phase.js';
import { execaBenchRunner } from '../../src/adapters/measure/bench-runner.js';
import { instantClock } from '../fakes/loop-fakes.js';

/**
 * Inside `node --test`, a child `node --test` that inherits NODE_TEST_CONTEXT runs none of its files and exits
 * 0. A post-check "node --test" of a failing test must still fail when gdnctl itself runs under a test runner.
 */
function failingSuite(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-pcenv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'fails.test.mjs'), "import { test } from 'node:test';\ntest('fails', () => { throw new Error('boom'); });\n");
  return dir;
}

const run = (dir: string, env: NodeJS.ProcessEnv) =>
  runPostChecks({
    runner: new ChildProcessRunner({ killGraceMs: 300 }),
    clock: instantClock,
    checks: [`${JSON.stringify(process.execPath)} --test fails.test.mjs`],
    retries: 0,
    retrySleepMs: 0,
    cwd: dir,
    env,
    binDir: '/nonexistent',
    signal: new AbortController().signal,
    echo: () => undefined,
    saveLog: async () => undefined,
  });

test('a post-check `node --test` of a failing test fails even when gdnctl runs under node --test', async (t) => {
  const dir = failingSuite(t);
  // The hazard is real: with the variable inherited, the failing suite "passes".
  const inherited = await run(dir, { NODE_TEST_CONTEXT: 'child-v8' });
  assert.equal(inherited.ok, true, 'control: an inherited NODE_TEST_CONTEXT hides the failure');
  // What the loop passes: the runner merges over this process's env, which under node --test holds the variable.
  process.env.NODE_TEST_CONTEXT ??= 'child-v8'; // it is set under node --test already; make sure
  const env = postCheckEnv(process.env, { iteration: 1, runDir: dir, iterDir: dir, commit: 'abc' }, undefined);
  const r = await run(dir, env);
  assert.equal(r.ok, false, 'the failing test is seen');
});

test('the benchmark runner strips the test-runner variables too', async (t) => {
  const dir = failingSuite(t);
  const r = await execaBenchRunner({
    command: 'echo "GDNCTL_METRIC {\\"ctx\\": ${#NODE_TEST_CONTEXT}}"',
    cwd: dir,
    metric: { metric: 'ctx' },
    timeoutMs: 10_000,
    env: { NODE_TEST_CONTEXT: 'child-v8' },
  });
  assert.deepEqual(r.reading.ok && r.reading.value, 0);
});
