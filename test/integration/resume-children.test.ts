import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { isPidDead } from '../helpers/proc.js';
import { FAST, loopEnv, readJson, runDirs, spawnLoop, until, type Invocation } from '../helpers/loop-harness.js';

// Crash suite, issue 13 "Resume and children": a run SIGKILLed mid-phase leaves children and files behind;
// the same command run again must find the run first, end everything the killed process started, and hold
// only the operator's own changes to --dirty-policy fail (the default).

const uniqueCommit = { do: 'shell', cmd: 'echo "$$-$RANDOM" > "agent-$$.txt" && git add -A && git commit -qm "agent change" && git rev-parse HEAD' };

async function repoFor(t: { after: (fn: () => void) => void }): Promise<TempRepo> {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  return repo;
}

function pidIn(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

function stateOf(repo: TempRepo): Record<string, unknown> {
  return readJson(join(runDirs(repo)[0]!, 'state.json'));
}

test('kill -9 during the agent phase under --dirty-policy fail: the rerun resumes, ends the old agent, stashes its edits', async (t) => {
  const repo = await repoFor(t);
  const pidFile = repo.scratch('agent-sleep.pid');
  // The agent writes a file (left uncommitted: the tree is dirty) and then hangs, its grandchild recording its pid.
  const scenario: Invocation[] = [{ steps: [{ do: 'write', path: 'half-done.txt', content: 'partial\n' }, { do: 'hang', pidFile }] }, { steps: [uniqueCommit] }];
  const args = ['--iterations', '1', ...FAST];
  const env = loopEnv(repo, scenario);
  const first = spawnLoop(repo, args, env);
  t.after(() => first.child.kill('SIGKILL'));
  await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 20_000, 'the agent to hang');
  const agentChild = pidIn(pidFile);
  first.child.kill('SIGKILL');
  await first.done;
  assert.ok(!isPidDead(agentChild), 'the old agent outlives a SIGKILLed gdnctl (the setup of this test)');
  assert.ok(repo.status().some((l) => l.includes('half-done.txt')), 'the killed agent left the tree dirty');

  const again = await spawnLoop(repo, args, env).done;
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /working tree is dirty/);
  assert.match(again.stderr, /resuming run/);
  assert.ok(isPidDead(agentChild), 'the old agent was ended by the resume');
  assert.ok(repo.stashList().some((s) => s.subject.includes('gdnctl-leftover-iter-001')), 'its edits were stashed by name, not lost');
  assert.equal(runDirs(repo).length, 1, 'the same run continued');
  assert.equal(stateOf(repo).status, 'done');
});

test('after recovery, the operator\'s own changes still meet --dirty-policy fail (exit 2), and the run stays resumable', async (t) => {
  const repo = await repoFor(t);
  const pidFile = repo.scratch('agent-sleep.pid');
  const scenario: Invocation[] = [{ steps: [{ do: 'hang', pidFile }] }, { steps: [uniqueCommit] }];
  const args = ['--iterations', '1', ...FAST];
  const env = loopEnv(repo, scenario);
  const first = spawnLoop(repo, args, env);
  t.after(() => first.child.kill('SIGKILL'));
  await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 20_000, 'the agent to hang');
  first.child.kill('SIGKILL');
  await first.done;
  const agentChild = pidIn(pidFile);
  // Killed in the agent phase, whatever is dirty is the agent's and is stashed. Killed before it (the prompt
  // phase), a dirty path is the operator's: state.json is set back to that phase, the agent still running.
  const st = stateOf(repo);
  st.phase = 'prompt';
  writeFileSync(join(runDirs(repo)[0]!, 'state.json'), JSON.stringify(st));
  writeFileSync(join(repo.dir, 'mine.txt'), 'operator work\n');

  const refused = await spawnLoop(repo, args, env).done;
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /working tree is dirty \(1 path: mine\.txt\)/);
  assert.ok(isPidDead(agentChild), 'the old agent was ended before the refusal');
  assert.equal(readFileSync(join(repo.dir, 'mine.txt'), 'utf8'), 'operator work\n', 'the operator\'s work is untouched');
  assert.equal(stateOf(repo).status, 'interrupted', 'still resumable');

  repo.git('add', 'mine.txt');
  repo.git('-c', 'user.name=o', '-c', 'user.email=o@e', 'commit', '-qm', 'operator commit');
  const resumed = await spawnLoop(repo, args, env).done;
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming run/);
  assert.equal(runDirs(repo).length, 1);
});

test('kill -9 during a post-check: state.json names its group, and the resume ends it before anything else runs', async (t) => {
  const repo = await repoFor(t);
  const pidFile = repo.scratch('post-check.pid');
  const once = repo.scratch('post-check.once');
  // The first post-check hangs (a test on the TPU worker); later ones pass.
  const postCheck = `if [ ! -e ${once} ]; then touch ${once}; sleep 60 & echo $! > ${pidFile}; wait; fi; true`;
  const scenario: Invocation[] = [{ steps: [uniqueCommit] }];
  const args = ['--iterations', '1', ...FAST, '--post-check', postCheck];
  const env = loopEnv(repo, scenario);
  const first = spawnLoop(repo, args, env);
  t.after(() => first.child.kill('SIGKILL'));
  await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 20_000, 'the post-check to hang');
  const checkChild = pidIn(pidFile);
  await until(() => ((stateOf(repo).childGroups as unknown[] | undefined) ?? []).length > 0, 5000, 'state.json to name the post-check group');
  const groups = stateOf(repo).childGroups as Array<{ pgid: number; startTime?: string }>;
  const pgid = Number(readFileSync(`/proc/${checkChild}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
  assert.ok(groups.some((g) => g.pgid === pgid && typeof g.startTime === 'string'), JSON.stringify(groups));
  first.child.kill('SIGKILL');
  await first.done;
  assert.ok(!isPidDead(checkChild), 'the post-check outlives a SIGKILLed gdnctl (the setup of this test)');

  const again = spawnLoop(repo, args, env);
  t.after(() => again.child.kill('SIGKILL'));
  const r = await again.done;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(isPidDead(checkChild), 'the old post-check was ended by the resume');
  assert.match(r.stderr, /ending the interrupted run's children/);
});

test('a daemon the agent starts with setsid nohup is ended after the agent phase and never edits the operator\'s file', async (t) => {
  const repo = await repoFor(t);
  const daemonPid = repo.scratch('daemon.pid');
  const victim = join(repo.dir, 'a.txt');
  // It leaves the agent's process group and session, holds no pipe of ours, and edits a file 3 s later.
  const daemon = `setsid nohup bash -c 'echo $$ > ${daemonPid}; sleep 3; echo evil >> ${victim}' >/dev/null 2>&1 < /dev/null &`;
  const scenario: Invocation[] = [{ steps: [{ do: 'shell', cmd: daemon }, { do: 'sleep', ms: 300 }, uniqueCommit] }];
  const r = await spawnLoop(repo, ['--iterations', '1', ...FAST], loopEnv(repo, scenario)).done;
  assert.equal(r.code, 0, r.stderr);
  await until(() => existsSync(daemonPid) && readFileSync(daemonPid, 'utf8').length > 0, 5000, 'the daemon pid');
  const pid = pidIn(daemonPid);
  assert.ok(isPidDead(pid), 'the daemon was ended');
  await new Promise((res) => setTimeout(res, 3500));
  assert.equal(readFileSync(victim, 'utf8'), 'one\n', 'the operator\'s file is untouched');
  assert.match(r.stderr, /ended \d+ process\(es\) left running after the agent phase/);
});

test('SIGTERM during a post-check: its group and the daemon it started outside the group are both gone at exit', async (t) => {
  const repo = await repoFor(t);
  const daemonPid = repo.scratch('check-daemon.pid');
  const checkPid = repo.scratch('check.pid');
  const postCheck = `setsid nohup bash -c 'echo $$ > ${daemonPid}; exec sleep 60' >/dev/null 2>&1 < /dev/null & sleep 60 & echo $! > ${checkPid}; wait`;
  const run = spawnLoop(repo, ['--iterations', '1', ...FAST, '--post-check', postCheck], loopEnv(repo, [{ steps: [uniqueCommit] }]));
  t.after(() => run.child.kill('SIGKILL'));
  await until(() => [daemonPid, checkPid].every((f) => existsSync(f) && readFileSync(f, 'utf8').length > 0), 20_000, 'the post-check and its daemon');
  run.child.kill('SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  assert.ok(isPidDead(pidIn(checkPid)), 'the post-check group was ended');
  assert.ok(isPidDead(pidIn(daemonPid)), 'the daemon that left the group was ended');
});

test('kill -9 during a `gdnctl dev-tpu-test` post-check: its remote test on the worker is gone after the resume', async (t) => {
  const { startSshWorkers } = await import('../helpers/sshd.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { execFileSync } = await import('node:child_process');
  const workers = await startSshWorkers({ count: 1 });
  t.after(() => workers.dispose());
  const remoteDir = mkdtempSync(join(tmpdir(), 'gdnctl-remote-'));
  t.after(() => rmSync(remoteDir, { recursive: true, force: true }));
  const tag = `gdnctl-remote-test-${process.pid}-${Date.now()}`;
  const once = join(remoteDir, 'once');
  const repo = await TempRepo.create({
    files: {
      'a.txt': 'one\n',
      'gdnctl.yaml': `testSuites:\n  hang: { cwd: ., command: "if [ ! -e ${once} ]; then touch ${once}; exec -a ${tag} sleep 60; fi; echo ok", files: [] }\n`,
    },
  });
  t.after(() => repo.dispose());
  const ssh = [`--worker-host ${workers.hosts[0]}`, `--ssh-user ${workers.user}`, `--ssh-port ${workers.port}`, `--ssh-key-file ${workers.keyFile}`, `--known-hosts-file ${join(workers.dir, 'kh')}`].join(' ');
  const postCheck = `gdnctl dev-tpu-test ${ssh} --no-sync --remote-dir ${remoteDir} --tests hang`;
  const args = ['--iterations', '1', ...FAST, '--post-check', postCheck];
  const env = loopEnv(repo, [{ steps: [uniqueCommit] }]);
  const remoteAlive = (): boolean => {
    try {
      execFileSync('pgrep', ['-f', tag]);
      return true;
    } catch {
      return false;
    }
  };
  const first = spawnLoop(repo, args, env);
  t.after(() => first.child.kill('SIGKILL'));
  await until(remoteAlive, 30_000, 'the remote test to start');
  first.child.kill('SIGKILL');
  await first.done;
  await new Promise((res) => setTimeout(res, 500));
  assert.ok(remoteAlive(), 'the remote test outlives a SIGKILLed loop (the setup of this test)');

  const again = await spawnLoop(repo, args, env).done;
  assert.equal(again.code, 0, again.stderr);
  await until(() => !remoteAlive(), 8000, 'the remote test to end');
});
