import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeFailure, judgeSuccess, type LoopPolicies } from '../../src/core/loop/policy.js';
import type { FailureReason } from '../../src/core/loop/outcome.js';
import { applyResilient } from '../../src/core/loop/resilient.js';
import { configFingerprint } from '../../src/core/loop/fingerprint.js';
import { classifyAgentFailure } from '../../src/core/loop/agent-phase.js';
import { runPostChecks } from '../../src/core/loop/post-check-phase.js';
import { phaseLabel, phaseMayLeaveAgentEdits, ITERATION_PHASES } from '../../src/core/loop/phases.js';
import { loopExitCode } from '../../src/cli/loop-exit.js';
import { makeProgram } from '../../src/cli/program.js';
import { Interrupt } from '../../src/cli/interrupt.js';
import { captureStream as sink } from '../helpers/cli.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { instantClock, ScriptedRunner } from '../fakes/loop-fakes.js';

const P: LoopPolicies = { noCommit: 'fail', postCheck: 'fail', iterationError: 'fail', maxFailures: 0, maxConsecutiveFailures: -1 };
const zero = { failures: 0, consecutiveFailures: 0 };

test('fail / count-failure / continue for each policy-governed reason', () => {
  const cases: Array<[FailureReason, keyof LoopPolicies]> = [
    ['no-commit', 'noCommit'],
    ['post-check-failed', 'postCheck'],
    ['history-rewritten', 'iterationError'],
    ['dirty-tree', 'iterationError'],
    ['sync-conflict', 'iterationError'],
    ['iteration-error', 'iterationError'],
  ];
  for (const [reason, key] of cases) {
    const fail = judgeFailure(reason, 'd', 1, { ...P, [key]: 'fail', maxFailures: -1 }, zero);
    assert.equal(fail.policy, 'stopped', reason);
    assert.equal(fail.stop?.cause, 'policy-fail');
    const count = judgeFailure(reason, 'd', 1, { ...P, [key]: 'count-failure', maxFailures: 1 }, zero);
    assert.deepEqual([count.policy, count.counters.failures], ['counted', 1], reason);
    const cont = judgeFailure(reason, 'd', 1, { ...P, [key]: 'continue' }, zero);
    assert.deepEqual([cont.policy, cont.counters], ['continued', zero], reason);
  }
});

test('agent, protected-path and measurement failures always count; usage limit and auth are fatal', () => {
  for (const r of ['agent-timeout', 'agent-exit-nonzero', 'agent-rate-limited', 'touched-protected-path', 'measure-regression', 'no-metric'] as const) {
    assert.equal(judgeFailure(r, 'd', 1, { ...P, maxFailures: 5 }, zero).policy, 'counted', r);
  }
  for (const r of ['agent-usage-limit', 'agent-auth', 'revert-conflict', 'stash-restore-conflict'] as const) {
    const j = judgeFailure(r, 'd', 1, { ...P, maxFailures: -1 }, zero);
    assert.equal(j.stop?.cause, 'fatal', r);
  }
});

test('two budgets: total exceeds (> max), consecutive reaches (>= max); success resets only the streak', () => {
  const p = { ...P, noCommit: 'count-failure' as const, maxFailures: 2, maxConsecutiveFailures: 3 };
  let c = zero;
  for (let i = 1; i <= 2; i++) {
    const j = judgeFailure('no-commit', 'd', i, p, c);
    assert.equal(j.policy, 'counted');
    c = judgeSuccess(j.counters);
  }
  assert.deepEqual(c, { failures: 2, consecutiveFailures: 0 });
  assert.equal(judgeFailure('no-commit', 'd', 3, p, c).stop?.cause, 'budget-total');
  const streak = { ...p, maxFailures: -1 };
  let s = zero;
  for (let i = 1; i <= 2; i++) s = judgeFailure('no-commit', 'd', i, streak, s).counters;
  assert.equal(judgeFailure('no-commit', 'd', 3, streak, s).stop?.cause, 'budget-consecutive');
  assert.equal(judgeFailure('no-commit', 'd', 1, { ...P, noCommit: 'count-failure', maxFailures: -1 }, { failures: 1e6, consecutiveFailures: 0 }).policy, 'counted');
});

test('--resilient maps policies as the anchor does and reports each change', () => {
  const base = {
    resilient: true, maxFailures: 0, dirtyPolicy: 'fail', noCommitPolicy: 'fail', postCheckPolicy: 'continue', iterationErrorPolicy: 'fail',
    syncMainConflictPolicy: 'fail', stashRestorePolicy: 'fail', codexRetries: 0, postCheckRetries: 5, holdDevTpuPolicy: 'required',
  };
  const { values, changes } = applyResilient(base);
  assert.deepEqual(values, {
    ...base, maxFailures: -1, dirtyPolicy: 'stash', noCommitPolicy: 'count-failure', iterationErrorPolicy: 'count-failure',
    syncMainConflictPolicy: 'skip', stashRestorePolicy: 'warn-keep', codexRetries: 2, holdDevTpuPolicy: 'best-effort',
  });
  assert.equal(values.postCheckPolicy, 'continue', 'an explicit non-fail choice is kept');
  assert.equal(values.postCheckRetries, 5, 'retries only raised, never lowered');
  assert.equal(changes.length, 8);
  assert.deepEqual(applyResilient({ ...base, resilient: false }).changes, []);
});

test('fingerprint ignores iterations, sleeps, timeouts, retries, logging and dry-run, and nothing else', () => {
  const v = { model: 'm', postCheck: ['a', 'b'], iterations: 3, sleepSeconds: 5, codexTimeoutSeconds: 10, codexRetries: 1, verbose: false, dryRun: false, noCommitPolicy: 'fail' };
  const fp = configFingerprint(v);
  assert.equal(configFingerprint({ ...v, iterations: 9, sleepSeconds: 0, codexTimeoutSeconds: 1, codexRetries: 4, verbose: true, dryRun: true, retrySleepSeconds: 1, codexIdleTimeoutSeconds: 2, postCheckRetries: 3, logFormat: 'json' }), fp);
  assert.equal(configFingerprint(Object.fromEntries(Object.entries(v).reverse())), fp, 'key order does not matter');
  assert.equal(configFingerprint({ ...v, takeOver: true, tpuHeartbeatMinutes: 1, tpuHeartbeatMs: 50 }), fp, 'how the TPU is held does not make another run');
  assert.notEqual(configFingerprint({ ...v, model: 'other' }), fp);
  assert.notEqual(configFingerprint({ ...v, postCheck: ['b', 'a'] }), fp);
  assert.notEqual(configFingerprint({ ...v, noCommitPolicy: 'continue' }), fp);
});

test('agent failure classes', () => {
  assert.equal(classifyAgentFailure('agent-rate-limited'), 'transient');
  assert.equal(classifyAgentFailure('agent-network'), 'transient');
  assert.equal(classifyAgentFailure('agent-server-error'), 'transient');
  assert.equal(classifyAgentFailure('agent-usage-limit'), 'fatal');
  assert.equal(classifyAgentFailure('agent-auth'), 'fatal');
  assert.equal(classifyAgentFailure('agent-timeout'), 'agent');
  assert.equal(classifyAgentFailure('agent-interrupted'), 'interrupted');
});

test('post-checks: first failure stops the sequence; identical failures stop retrying; varying ones use the budget', async () => {
  const base = { clock: instantClock, retrySleepMs: 0, cwd: '/w', env: {}, binDir: '/b', signal: new AbortController().signal, echo: () => {}, saveLog: async () => {} };
  const same = new ScriptedRunner([0, 2]);
  const r = await runPostChecks({ ...base, runner: same, checks: ['ok', 'bad', 'never'], retries: 5 });
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.index, 2);
  assert.equal(!r.ok && r.sameFailure, true);
  assert.equal(same.specs.length, 3, 'check 1 once, check 2 twice, check 3 never');
  const varying = new ScriptedRunner([1, 2, 3, 4]);
  const v = await runPostChecks({ ...base, runner: varying, checks: ['flaky'], retries: 2 });
  assert.equal(v.ok, false);
  assert.equal(varying.specs.length, 3);
  const healing = new ScriptedRunner([1, 0]);
  assert.equal((await runPostChecks({ ...base, runner: healing, checks: ['x'], retries: 1 })).ok, true);
});

test('every phase has a label and a resume rule', () => {
  for (const p of ITERATION_PHASES) {
    assert.ok(phaseLabel(p).length > 0);
    assert.equal(typeof phaseMayLeaveAgentEdits(p), 'boolean');
  }
});

test('exit codes: 0 done, 3 no-commit, 124 agent timeout, 1 other stops, 130 interrupted', () => {
  const stop = (reason: FailureReason) => ({ kind: 'stopped' as const, stop: { reason, cause: 'policy-fail' as const, iteration: 1, message: '' } });
  assert.equal(loopExitCode({ kind: 'done', iterations: 1 }), 0);
  assert.equal(loopExitCode(stop('no-commit')), 3);
  assert.equal(loopExitCode(stop('agent-timeout')), 124);
  assert.equal(loopExitCode(stop('agent-idle-timeout')), 124);
  assert.equal(loopExitCode(stop('post-check-failed')), 1);
  assert.equal(loopExitCode(stop('agent-usage-limit')), 1);
  assert.equal(loopExitCode({ kind: 'interrupted', signalName: 'SIGTERM' }), 130);
});

test('--print-config shows the values after --resilient, marked "resilient"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-loopcfg-'));
  mkdirSync(join(dir, '.git'));
  const stdout = sink();
  const code = await makeProgram({ stdout, stderr: sink(), env: {}, cwd: dir, interrupt: new Interrupt() }).run(['--print-config', 'codex-loop', '--resilient', '--iterations', '2']);
  assert.equal(code, 0);
  assert.match(stdout.text(), /maxFailures\s+-1\s+# resilient/);
  assert.match(stdout.text(), /dirtyPolicy\s+"stash"\s+# resilient/);
  assert.match(stdout.text(), /codexRetries\s+2\s+# resilient/);
  assert.match(stdout.text(), /iterations\s+2\s+# flag/);
});

test('--no-commit-policy is its own option, not the negation of --commit-policy; defaults are the anchor\'s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-loopcfg-'));
  mkdirSync(join(dir, '.git'));
  const r = resolveConfig({ command: 'codex-loop', flags: {}, env: { GDNCTL_NO_COMMIT_POLICY: 'continue' }, cwd: dir });
  assert.equal(r.values.noCommitPolicy, 'continue');
  assert.equal(r.values.sleepSeconds, 5);
  assert.equal(r.values.retrySleepSeconds, 20);
  assert.equal(r.values.codexTimeoutSeconds, 7200);
  assert.equal(r.values.codexIdleTimeoutSeconds, 900);
  assert.equal(r.values.maxFailures, 0);
  assert.equal(r.values.maxConsecutiveFailures, -1);
  assert.equal(r.values.logDir, join(dir, '.agents/logs/gdn_codex_loop'));
  assert.match(r.values.promptFile, /prompts\/codex_iteration_prompt\.md$/);
});

test('the flag form parses through commander', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-loopcfg-'));
  mkdirSync(join(dir, '.git'));
  const stdout = sink();
  const code = await makeProgram({ stdout, stderr: sink(), env: {}, cwd: dir, interrupt: new Interrupt() }).run([
    '--print-config', 'codex-loop', '--no-commit-policy', 'count-failure', '--post-check', 'a', '--post-check', 'b', '--directive-preset', 'x',
  ]);
  assert.equal(code, 0);
  assert.match(stdout.text(), /noCommitPolicy\s+"count-failure"\s+# flag/);
  assert.match(stdout.text(), /postCheck\s+\["a","b"\]\s+# flag/);
});

test('post-check logs keep the head and tail of a flood and say what was dropped', async () => {
  const { BoundedLines } = await import('../../src/core/loop/post-check-phase.js');
  const b = new BoundedLines(100);
  for (let i = 0; i < 10_000; i++) b.push(`line ${i}`);
  const text = b.text();
  assert.ok(text.startsWith('line 0\nline 1\n'));
  assert.ok(text.endsWith('line 9999'));
  assert.match(text, /\[… \d+ lines dropped from this log …\]/);
  assert.ok(text.length < 400);
  const small = new BoundedLines(100);
  small.push('a');
  small.push('b');
  assert.equal(small.text(), 'a\nb');
});

test('a reverted attempt\'s log entry is marked "Commit: none (<reason>)" only when the entry is the range\'s', async () => {
  const { markFailedEntry } = await import('../../src/core/loop/failed-entry.js');
  const log = (v: string): string => `### Iteration 1 - a\n- Commit: 1111111\n\n### Iteration 2 - b\n- Commit: ${v}\n- Result: x\n`;
  assert.equal(markFailedEntry(log('abcdef1234'), ['abcdef1234567890'], 'post-check-failed'), log('none (post-check-failed)'));
  assert.equal(markFailedEntry(log('this commit'), ['ffff'], 'no-metric'), log('none (no-metric)'));
  assert.equal(markFailedEntry(log('9999999'), ['abcdef1234567890'], 'x'), undefined, 'an older entry is not touched');
  assert.equal(markFailedEntry('no entries\n', ['a'], 'x'), undefined);
});
