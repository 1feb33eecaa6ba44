/**
 * Inputs that are valid but used to be mishandled: waits beyond Node's 24.8-day timer limit (they fired at
 * once), and a --workdir given as a symlink (the ledger's exclude line was computed on the link's path, so
 * `git stash -u` swept the ledger into the operator's stash).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Interrupt } from '../../src/cli/interrupt.js';
import { runProgram } from '../helpers/cli.js';
import { FAST, loopEnv, logDir, runDirs, until } from '../helpers/loop-harness.js';
import { TempRepo } from '../helpers/temp-repo.js';

const DAY_S = 24 * 3600;

test('a 35-day --codex-timeout-seconds (above the 24.8-day timer limit) does not kill the agent at once', { timeout: 60_000 }, async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const env = loopEnv(repo, [{ steps: [{ do: 'sleep', ms: 800 }, { do: 'message', text: 'looked, changed nothing' }] }]);
  const seconds = String(35 * DAY_S);
  const r = await runProgram(['codex-loop', '--iterations', '1', ...FAST, '--allow-no-commit', '--codex-timeout-seconds', seconds, '--codex-idle-timeout-seconds', seconds], { cwd: repo.dir, env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /timed out|agent-timeout|idle/);
  const [run] = runDirs(repo);
  const record = JSON.parse(readFileSync(join(run!, 'iter-001', 'record.json'), 'utf8')) as { outcome: string };
  assert.equal(record.outcome, 'no-change');
});

test('a 35-day --sleep-seconds waits (until interrupted) instead of being skipped', { timeout: 60_000 }, async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const env = loopEnv(repo, [{ steps: [{ do: 'message', text: 'one' }] }, { steps: [{ do: 'message', text: 'two' }] }]);
  const interrupt = new Interrupt();
  const running = runProgram(['codex-loop', '--iterations', '2', '--sleep-seconds', String(35 * DAY_S), '--retry-sleep-seconds', '0', '--allow-no-commit'], { cwd: repo.dir, env, interrupt });
  const iter = (n: number): string => join(runDirs(repo)[0] ?? '/nonexistent', `iter-00${n}`, 'record.json');
  await until(() => runDirs(repo).length > 0 && existsSync(iter(1)), 20_000, 'iteration 1 recorded');
  // The loop is now in its sleep; before the fix iteration 2 had started (or finished) within milliseconds.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(existsSync(join(runDirs(repo)[0]!, 'iter-002')), false, 'iteration 2 must not start during a 35-day sleep');
  interrupt.fire('SIGTERM');
  const r = await running;
  assert.equal(r.code, 130, r.stdout + r.stderr);
  assert.equal(existsSync(iter(2)), false);
});

test('a --workdir given as a symlink: the ledger stays out of the stash and the operator gets the work back', { timeout: 60_000 }, async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const link = repo.scratch('repo-link');
  symlinkSync(repo.dir, link);
  repo.write({ 'mine.txt': 'operator work in progress\n' });
  const env = loopEnv(repo, [{ steps: [{ do: 'message', text: 'nothing to do' }] }]);
  const r = await runProgram(['codex-loop', '--iterations', '1', ...FAST, '--allow-no-commit', '--dirty-policy', 'stash', '--workdir', link], { cwd: repo.scratch('.'), env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // The exclude line names the ledger; git status shows the operator's file only.
  assert.match(readFileSync(join(repo.dir, '.git', 'info', 'exclude'), 'utf8'), /^\/\.agents\/logs\/gdn_codex_loop\/$/m);
  assert.deepEqual(repo.status(), ['?? mine.txt']);
  assert.equal(readFileSync(join(repo.dir, 'mine.txt'), 'utf8'), 'operator work in progress\n');
  assert.equal(repo.git('stash', 'list'), '', 'nothing is left stashed');
  assert.ok(existsSync(join(logDir(repo), 'runs')), 'the ledger is where it belongs');
});

// Issue 13, "Resume and children" item: the bench timeout, the agent's backoff and ssh's retry wait went
// through a bare setTimeout, which fires at once past 24.8 days.

test('a 35-day bench timeout does not end the benchmark at once', async () => {
  const { execaBenchRunner } = await import('../../src/adapters/measure/bench-runner.js');
  const r = await execaBenchRunner({ command: 'sleep 0.3; echo "GDNCTL_METRIC {\\"v\\": 7}"', cwd: process.cwd(), metric: { metric: 'v' }, timeoutMs: 35 * DAY_S * 1000 });
  assert.equal(r.timedOut, false);
  assert.deepEqual(r.reading.ok && r.reading.value, 7);
});

test('a 35-day transient backoff of the agent is waited on the clock, not skipped', async () => {
  const { runAgentPhase } = await import('../../src/core/loop/agent-phase.js');
  const { ZERO_TOKENS } = await import('../../src/core/loop/outcome.js');
  const sleeps: number[] = [];
  let calls = 0;
  const result = (ok: boolean) => ({ ok, exitCode: ok ? 0 : 1, durationMs: 1, usage: ZERO_TOKENS, argv: [], ...(ok ? {} : { failure: 'agent-server-error' as const }) });
  const r = await runAgentPhase({
    agent: { name: 'fake', preflight: async () => ({}), run: async () => result(++calls > 1) } as never,
    input: { iteration: 1, workdir: '/x', prompt: 'p', iterDir: '/x' } as never,
    retries: 0, transientRetries: 2, retrySleepMs: 35 * DAY_S * 1000, maxBackoffMs: 40 * DAY_S * 1000,
    clock: { now: () => Date.now(), sleep: async (ms: number) => void sleeps.push(ms) },
    signal: new AbortController().signal,
    betweenAttempts: async () => undefined,
    note: () => undefined,
  });
  assert.equal(r.result.ok, true);
  assert.equal(sleeps.length, 1, 'one backoff between the two attempts');
  assert.ok(sleeps[0]! >= 35 * DAY_S * 1000 && sleeps[0]! <= 40 * DAY_S * 1000, String(sleeps[0]));
});

test('a 35-day ssh retry wait waits (until aborted) instead of retrying at once', async () => {
  const { SshRemote } = await import('../../src/adapters/remote/ssh-remote.js');
  const r = new SshRemote({ user: 'nobody', port: 1, keyFile: '/dev/null', knownHostsFile: '/dev/null', connectTimeoutS: 1, retries: 1, retrySleepMs: 35 * DAY_S * 1000, serverAliveIntervalS: 5, controlPersistS: 0 });
  const ac = new AbortController();
  let done = false;
  const running = r.runOne({ index: 0, host: '127.0.0.1' }, 'true', { signal: ac.signal }).finally(() => (done = true));
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(done, false, 'the retry wait did not wait');
  ac.abort();
  const res = await running;
  assert.equal(res.attempts, 1, 'not retried');
  await r.close();
});
