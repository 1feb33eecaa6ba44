/**
 * The run's owner in state.json: pid, host and the pid's start time. A `running` run whose pid is alive is
 * somebody's; when that pid now belongs to another process (the start time differs), the owner is gone and the
 * same command resumes the run. The loop runs as a child process, so this test's own pid is a live stranger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processStartTime } from '../../src/adapters/process/liveness.js';
import { TempRepo } from '../helpers/temp-repo.js';
import { FAST, loopEnv, readJson, runDirs, spawnLoop, type Invocation } from '../helpers/loop-harness.js';

const uniqueCommit = { do: 'shell', cmd: 'echo "$$-$RANDOM" > "agent-$$.txt" && git add -A && git commit -qm "agent change" && git rev-parse HEAD' };

test('state.json records the owner start time; a live pid with another start time is a dead owner, its run resumes', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  const scenario: Invocation[] = [{ steps: [uniqueCommit] }, { steps: [uniqueCommit] }, { steps: [uniqueCommit] }];
  const env = loopEnv(repo, scenario);
  const first = await spawnLoop(repo, ['--iterations', '1', ...FAST], env).done;
  assert.equal(first.code, 0, first.stderr);
  const [run] = runDirs(repo);
  const stateFile = join(run!, 'state.json');
  const done = readJson(stateFile);
  assert.match(String(done.ownerStartTime), /^\d+$/, 'the owner start time is recorded');

  // Pretend the run was killed and its pid reused by this (live) test process.
  const mine = processStartTime(process.pid)!;
  const claimed = (startTime: string) => writeFileSync(stateFile, JSON.stringify({ ...done, status: 'running', ownerPid: process.pid, ownerHost: hostname(), ownerStartTime: startTime }));
  claimed(`${mine}9`);
  const resumed = await spawnLoop(repo, ['--iterations', '2', ...FAST], env).done;
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming run/);
  assert.equal(runDirs(repo).length, 1, 'the same run continued');
  const after = readJson<{ completed: Array<{ iteration: number }>; ownerPid: number }>(stateFile);
  assert.deepEqual(after.completed.map((c) => c.iteration), [1, 2]);
  assert.notEqual(after.ownerPid, process.pid);

  // The same pid with its own start time is a live owner: its run is left alone and a new one starts.
  claimed(mine);
  const fresh = await spawnLoop(repo, ['--iterations', '1', ...FAST], env).done;
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.doesNotMatch(fresh.stderr, /resuming run/);
  assert.equal(runDirs(repo).length, 2, 'a live owner keeps its run');
});
