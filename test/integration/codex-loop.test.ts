import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, events, FAST, logDir, loopEnv, readJson, runDirs, runLoopInProcess, type Invocation } from '../helpers/loop-harness.js';

const LOG = 'notes/hillclimb.md';
const logEntry = (n: number): string => `# log\n\n### Iteration ${n} - try\n- Date: today\n- Commit: this commit\n- Hypothesis: h\n`;

async function repoWith(t: { after: (fn: () => void) => void }, files: Record<string, string> = {}, remote = false): Promise<TempRepo> {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\ntwo\nthree\n', ...files }, remote });
  t.after(() => repo.dispose());
  return repo;
}

function iterRecord(repo: TempRepo, i = 1): Record<string, unknown> {
  const run = runDirs(repo).at(-1)!;
  return readJson(join(run, `iter-${String(i).padStart(3, '0')}`, 'record.json'));
}

test('a commit is kept, stamped in the loop\'s own commit, and the ledger is written privately', async (t) => {
  const repo = await repoWith(t);
  const env = loopEnv(repo, [{ steps: [commitStep({ 'b.txt': 'b\n', [LOG]: logEntry(1) })], usage: { input_tokens: 10, output_tokens: 5 } }]);
  const before = repo.head();
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--hillclimb-log', LOG], env);
  assert.equal(r.code, 0, r.stderr);
  const agentSha = repo.git('rev-parse', 'HEAD~1').trim();
  assert.equal(repo.git('log', '-1', '--format=%s').trim(), 'gdnctl: stamp iteration 001');
  assert.equal(repo.git('rev-parse', 'HEAD~2').trim(), before, 'stamp is a new commit on top of the agent commit, not an amend');
  assert.match(readFileSync(join(repo.dir, LOG), 'utf8'), new RegExp(`- Commit: ${agentSha}`));
  assert.ok(repo.isClean(), 'ledger folder is excluded, tree clean');
  const run = runDirs(repo)[0]!;
  const rec = iterRecord(repo);
  assert.equal(rec.outcome, 'kept');
  assert.deepEqual(rec.commits, [agentSha]);
  assert.equal((rec.tokens as { inputTokens: number }).inputTokens, 10);
  const state = readJson(join(run, 'state.json'));
  assert.equal(state.status, 'done');
  assert.equal(readJson(join(run, 'run.json')).status, 'done');
  for (const f of ['prompt.md', 'transcript.jsonl', 'record.json', 'report.json', 'report.schema.json']) assert.ok(existsSync(join(run, 'iter-001', f)), f);
  assert.equal(statSync(join(run, 'state.json')).mode & 0o777, 0o600);
  assert.equal(statSync(run).mode & 0o777, 0o700);
  const phases = events(run).filter((e) => e.type === 'phase').map((e) => e.phase);
  assert.deepEqual(phases, ['guard-tree', 'prompt', 'agent', 'verify-commit', 'stamp', 'decide', 'record']);
  assert.ok(events(run).every((e) => e.schemaVersion === 1 && typeof e.ts === 'string'));
  assert.match(r.stdout, /1\s+kept\s+[0-9a-f]{12}/);
  assert.match(readFileSync(join(repo.dir, '.git', 'info', 'exclude'), 'utf8'), /\/\.agents\/logs\/gdn_codex_loop\//);
});

test('no commit: fail exits 3; count-failure within budget and continue go on; --allow-no-commit accepts', async (t) => {
  const repo = await repoWith(t);
  const none: Invocation[] = [{ steps: [{ do: 'message', text: 'nothing to do' }] }];
  assert.equal((await runLoopInProcess(repo, ['--iterations', '2', ...FAST], loopEnv(repo, none))).code, 3);
  assert.equal(iterRecord(repo).reason, 'no-commit');
  const counted = await runLoopInProcess(repo, ['--iterations', '2', ...FAST, '--new-run', '--no-commit-policy', 'count-failure', '--max-failures', '1'], loopEnv(repo, none));
  assert.equal(counted.code, 3, 'second counted failure exceeds --max-failures 1');
  assert.equal(readJson(join(runDirs(repo).at(-1)!, 'state.json')).failures, 2);
  const cont = await runLoopInProcess(repo, ['--iterations', '2', ...FAST, '--new-run', '--no-commit-policy', 'continue'], loopEnv(repo, none));
  assert.equal(cont.code, 0, cont.stderr);
  const allowed = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--new-run', '--allow-no-commit'], loopEnv(repo, none));
  assert.equal(allowed.code, 0);
  assert.equal(iterRecord(repo).outcome, 'no-change');
});

test('consecutive-failure budget stops the loop while the total budget is unlimited', async (t) => {
  const repo = await repoWith(t);
  const none: Invocation[] = [{ steps: [] }];
  const r = await runLoopInProcess(repo, ['--iterations', '5', ...FAST, '--no-commit-policy', 'count-failure', '--max-failures', '-1', '--max-consecutive-failures', '2'], loopEnv(repo, none));
  assert.equal(r.code, 3);
  assert.equal(readJson<{ completed: unknown[] }>(join(runDirs(repo)[0]!, 'state.json')).completed.length, 2);
  assert.match(r.stderr, /too many failures in a row/);
});

test('dirty leftovers are stashed by SHA under gdnctl-leftover-iter-NNN and never dropped', async (t) => {
  const repo = await repoWith(t);
  const env = loopEnv(repo, [{ steps: [commitStep({ 'b.txt': 'b\n' }), { do: 'write', path: 'scratch.txt', content: 'left behind\n' }] }]);
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST], env);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(repo.isClean());
  const stash = repo.stashList();
  assert.equal(stash.length, 1);
  assert.match(stash[0]!.subject, /gdnctl-leftover-iter-001/);
  assert.equal(iterRecord(repo).leftoverStash, stash[0]!.sha);
  assert.match(r.stderr, /leftovers .* stashed as/);
});

test('a hanging agent is killed at the idle timeout and the loop exits 124', async (t) => {
  const repo = await repoWith(t);
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--codex-idle-timeout-seconds', '1'], loopEnv(repo, [{ steps: [{ do: 'hang' }] }]));
  assert.equal(r.code, 124, r.stderr);
  assert.equal(iterRecord(repo).reason, 'agent-idle-timeout');
});

test('a non-zero agent exit is retried --codex-retries times, then exits 1', async (t) => {
  const repo = await repoWith(t);
  const calls = repo.scratch('calls.jsonl');
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--codex-retries', '1'], loopEnv(repo, [{ steps: [{ do: 'exit', code: 7 }] }], { FAKE_CODEX_LOG: calls }));
  assert.equal(r.code, 1);
  assert.equal(readFileSync(calls, 'utf8').trim().split('\n').length, 2);
  assert.equal(iterRecord(repo).reason, 'agent-exit-nonzero');
});

test('a rate limit backs off and retries on its own budget, then the commit is kept', async (t) => {
  const repo = await repoWith(t);
  const calls = repo.scratch('calls.jsonl');
  const env = loopEnv(repo, [{ steps: [{ do: 'rate-limit' }] }, { steps: [commitStep({ 'b.txt': 'b\n' })] }], { FAKE_CODEX_LOG: calls });
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(calls, 'utf8').trim().split('\n').length, 2);
  assert.match(r.stderr, /transient failure/);
});

test('operator work is stashed by SHA and restored even when the agent stashes too', async (t) => {
  const repo = await repoWith(t);
  writeFileSync(join(repo.dir, 'wip.txt'), 'operator work\n');
  const env = loopEnv(repo, [{ steps: [{ do: 'write', path: 'agent-tmp.txt', content: 'x\n' }, { do: 'stash' }, commitStep({ 'b.txt': 'b\n' })] }]);
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--dirty-policy', 'stash'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(repo.dir, 'wip.txt'), 'utf8'), 'operator work\n');
  const subjects = repo.stashList().map((s) => s.subject);
  assert.ok(subjects.some((s) => s.includes('agent stash')), 'the agent\'s own stash is left alone');
  assert.ok(!subjects.some((s) => s.includes('gdnctl-operator')), 'the operator stash was applied and dropped');
});

test('--dirty-policy fail refuses a dirty tree in preflight: exit 2, paths listed, nothing written', async (t) => {
  const repo = await repoWith(t);
  writeFileSync(join(repo.dir, 'wip.txt'), 'x\n');
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST], loopEnv(repo, [{ steps: [] }]));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /working tree is dirty \(1 path: wip.txt\).*--dirty-policy stash/);
  assert.ok(!existsSync(logDir(repo)));
});

test('rewritten history fails with history-rewritten (the branch is restored; details in hostile-agents.test.ts)', async (t) => {
  const repo = await repoWith(t);
  repo.commit('second', { 'c.txt': 'c\n' });
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST], loopEnv(repo, [{ steps: [{ do: 'reset', to: 'HEAD~1' }, commitStep({ 'd.txt': 'd\n' })] }]));
  assert.equal(r.code, 1);
  assert.equal(iterRecord(repo).reason, 'history-rewritten');
});

test('a commit touching a protected path is reverted with a commit (touched-protected-path)', async (t) => {
  const repo = await repoWith(t, { 'bench/score.py': 'print(1)\n' });
  const r = await runLoopInProcess(
    repo,
    ['--iterations', '1', ...FAST, '--protect', 'bench/**', '--max-failures', '1'],
    loopEnv(repo, [{ steps: [commitStep({ 'bench/score.py': 'print(999)\n' })] }]),
  );
  assert.equal(r.code, 0, r.stderr);
  const rec = iterRecord(repo);
  assert.equal(rec.reason, 'touched-protected-path');
  assert.match(repo.git('log', '-1', '--format=%s'), /gdnctl: revert iteration 001 \(touched-protected-path\)/);
  assert.equal(readFileSync(join(repo.dir, 'bench/score.py'), 'utf8'), 'print(1)\n');
  assert.equal(repo.git('rev-list', '--count', 'HEAD').trim(), '3', 'reverted work stays in history');
});

test('a failing post-check reverts the range, logs its output; the same failure twice stops retrying', async (t) => {
  const repo = await repoWith(t);
  const counter = repo.scratch('pc-count');
  const check = `echo run >> ${counter}; echo "boom at $GDNCTL_ITERATION"; exit 3`;
  const r = await runLoopInProcess(
    repo,
    ['--iterations', '1', ...FAST, '--post-check', check, '--post-check-retries', '5', '--hillclimb-log', LOG],
    loopEnv(repo, [{ steps: [commitStep({ 'b.txt': 'b\n', [LOG]: logEntry(1) })] }]),
  );
  assert.equal(r.code, 1);
  assert.equal(readFileSync(counter, 'utf8').trim().split('\n').length, 2, 'failed the same way twice: no more retries');
  const rec = iterRecord(repo);
  assert.equal(rec.reason, 'post-check-failed', String(rec.detail));
  assert.ok(rec.revertSha);
  assert.ok(!existsSync(join(repo.dir, 'b.txt')));
  assert.match(readFileSync(join(repo.dir, LOG), 'utf8'), /### Iteration 1 - try\n- Date: today\n- Commit: none \(post-check-failed\)\n/, 'the failed attempt stays in the log');
  assert.deepEqual(repo.git('log', '-3', '--format=%s').trim().split('\n'), [
    'gdnctl: record failed iteration 001 (post-check-failed)',
    'gdnctl: revert iteration 001 (post-check-failed)',
    'gdnctl: stamp iteration 001',
  ]);
  assert.match(readFileSync(join(runDirs(repo)[0]!, 'iter-001', 'post-check-1.log'), 'utf8'), /boom at 1/);
  assert.match(r.stderr, /boom at 1/, 'output is echoed');
});

test('post-checks see GDNCTL_* and a PATH that starts with gdnctl\'s bin folder', async (t) => {
  const repo = await repoWith(t);
  const out = repo.scratch('env.txt');
  const check = `{ echo "$GDNCTL_ITERATION|$GDNCTL_COMMIT|$GDNCTL_ITER_DIR|$GDNCTL_RUN_DIR"; echo "\${PATH%%:*}"; } > ${out}`;
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--post-check', check], loopEnv(repo, [{ steps: [commitStep({ 'b.txt': 'b\n' })] }]));
  assert.equal(r.code, 0, r.stderr);
  const [vars, firstPath] = readFileSync(out, 'utf8').trim().split('\n');
  const [it, commit, iterDir, runDir] = vars!.split('|');
  assert.equal(it, '1');
  assert.equal(commit, repo.head());
  assert.equal(iterDir, join(runDirs(repo)[0]!, 'iter-001'));
  assert.equal(runDir, runDirs(repo)[0]);
  assert.match(firstPath!, /\/bin$/);
  assert.ok(existsSync(join(firstPath!, 'gdnctl')));
});

test('sync-main merges origin/main before the agent; a conflict aborts the merge and applies the policy', async (t) => {
  const repo = await repoWith(t, {}, true);
  const upstreamSha = repo.pushUpstream('upstream work', { 'up.txt': 'up\n' });
  const ok = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--sync-main-policy', 'once'], loopEnv(repo, [{ steps: [commitStep({ 'b.txt': 'b\n' })] }]));
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(repo.git('merge-base', '--is-ancestor', upstreamSha, 'HEAD').trim(), '');
  repo.pushUpstream('conflicting', { 'a.txt': 'upstream edit\n' });
  repo.commit('local edit', { 'a.txt': 'local edit\n' });
  const head = repo.head();
  const failed = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--sync-main-policy', 'each-iteration', '--new-run'], loopEnv(repo, [{ steps: [] }]));
  assert.equal(failed.code, 1);
  assert.equal(iterRecord(repo).reason, 'sync-conflict');
  assert.equal(repo.head(), head);
  assert.ok(repo.isClean(), 'merge was aborted');
  const skipped = await runLoopInProcess(
    repo,
    ['--iterations', '1', ...FAST, '--sync-main-policy', 'each-iteration', '--sync-main-conflict-policy', 'skip', '--new-run'],
    loopEnv(repo, [{ steps: [commitStep({ 'b2.txt': 'b\n' })] }]),
  );
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.match(skipped.stderr, /continuing unsynced/);
});

test('an operator stash that conflicts is kept and named: warn-keep continues, fail stops', async (t) => {
  const repo = await repoWith(t);
  const scenario: Invocation[] = [{ steps: [commitStep({ 'a.txt': 'agent rewrote it\n' })] }];
  writeFileSync(join(repo.dir, 'a.txt'), 'operator edit\n');
  const keep = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--dirty-policy', 'stash'], loopEnv(repo, scenario));
  assert.equal(keep.code, 0, keep.stderr);
  assert.match(keep.stderr, /would not apply \(conflict: a\.txt\); kept it in git stash list/);
  assert.ok(repo.stashList().some((s) => s.subject.includes('gdnctl-operator-iter-001')));
  assert.ok(repo.isClean());
  repo.git('stash', 'drop');
  writeFileSync(join(repo.dir, 'a.txt'), 'operator edit 2\n');
  const stop = await runLoopInProcess(
    repo,
    ['--iterations', '2', ...FAST, '--dirty-policy', 'stash', '--stash-restore-policy', 'fail', '--new-run'],
    loopEnv(repo, [{ steps: [commitStep({ 'a.txt': 'agent again\n' })] }]),
  );
  assert.equal(stop.code, 1);
  assert.match(stop.stderr, /git stash apply [0-9a-f]{40}/);
  assert.ok(repo.stashList().some((s) => s.subject.includes('gdnctl-operator-iter-001')));
});

test('--dry-run prints prompt, argv, post-checks and policies and writes nothing', async (t) => {
  const repo = await repoWith(t);
  const exclude = readFileSync(join(repo.dir, '.git', 'info', 'exclude'), 'utf8');
  const r = await runLoopInProcess(repo, ['--iterations', '3', '--dry-run', '--post-check', 'true', '--directive', 'Be bold.'], loopEnv(repo, [{ steps: [] }]));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[Directive 1\]\nBe bold\./);
  assert.match(r.stdout, /codex exec -C \S+ --dangerously-bypass-approvals-and-sandbox -o \S+last-message\.md\"? --ephemeral -m gpt-5\.4 -c .*--output-schema \S+report\.schema\.json"? --json -\n/);
  assert.match(r.stdout, /1\. true/);
  assert.match(r.stdout, /no commit: fail/);
  assert.ok(!existsSync(logDir(repo)));
  assert.equal(readFileSync(join(repo.dir, '.git', 'info', 'exclude'), 'utf8'), exclude);
  const off = await runLoopInProcess(repo, ['--iterations', '1', '--dry-run', '--no-codex-ephemeral'], loopEnv(repo, [{ steps: [] }]));
  assert.doesNotMatch(off.stdout, /--ephemeral/);
});

test('a second loop on the same repository exits 2 naming the holder; a stale lock is taken over', async (t) => {
  const repo = await repoWith(t);
  const lock = join(repo.dir, '.git', 'gdnctl-loop.lock');
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'earlier', command: 'gdnctl codex-loop' }));
  const held = await runLoopInProcess(repo, ['--iterations', '1', ...FAST], loopEnv(repo, [{ steps: [] }]));
  assert.equal(held.code, 2);
  assert.match(held.stderr, new RegExp(`pid ${process.pid} on host ${hostname()}`));
  writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), startedAt: 'earlier', command: 'gdnctl codex-loop' }));
  const stale = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--allow-no-commit'], loopEnv(repo, [{ steps: [] }]));
  assert.equal(stale.code, 0, stale.stderr);
  assert.match(stale.stderr, /stale/);
  assert.ok(!existsSync(lock), 'lock released at the end');
});

test('a missing agent binary exits 4 before anything is written', async (t) => {
  const repo = await repoWith(t);
  const r = await runLoopInProcess(repo, ['--iterations', '1', '--codex-bin', '/nonexistent/codex'], loopEnv(repo, [{ steps: [] }]));
  assert.equal(r.code, 4);
  assert.ok(!existsSync(logDir(repo)));
});

test('preflight problems exit 2 with one line each and write nothing', async (t) => {
  const repo = await repoWith(t);
  const noIter = await runLoopInProcess(repo, [], loopEnv(repo, [{ steps: [] }]));
  assert.equal(noIter.code, 2);
  assert.match(noIter.stderr, /--iterations is required/);
  writeFileSync(join(repo.dir, 'empty.md'), '  \n');
  writeFileSync(join(repo.dir, 'bad.md'), 'Iteration {{ITERATON}}\n');
  const r = await runLoopInProcess(
    repo,
    ['--iterations', '1', '--prompt-file', 'bad.md', '--directive-file', 'empty.md', '--directive-file', 'missing.md', '--directive-preset', 'no-such-preset'],
    loopEnv(repo, [{ steps: [] }]),
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown placeholder \{\{ITERATON\}\}/);
  assert.match(r.stderr, /empty\.md is empty/);
  assert.match(r.stderr, /missing\.md cannot be read/);
  assert.match(r.stderr, /no-such-preset/);
  repo.git('checkout', '-q', '--detach');
  const detached = await runLoopInProcess(repo, ['--iterations', '1'], loopEnv(repo, [{ steps: [] }]));
  assert.equal(detached.code, 2);
  assert.match(detached.stderr, /detached HEAD/);
  assert.ok(!existsSync(logDir(repo)));
});
