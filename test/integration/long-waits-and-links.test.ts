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
