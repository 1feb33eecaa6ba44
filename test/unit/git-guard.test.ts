/**
 * The guard around the agent passes (src/core/loop/git-guard.ts), over FakeGit: what a hostile or clumsy agent
 * does to git is repaired the moment its pass ends, and the agent phase fails the iteration with a named reason.
 * The same behaviours against real git: test/integration/hostile-agents.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agent } from '../../src/core/loop/agent.js';
import { guardTree } from '../../src/core/loop/guard-tree.js';
import { prompt } from '../../src/core/loop/prompt.js';
import { record } from '../../src/core/loop/record.js';
import { revertAndFail } from '../../src/core/loop/revert.js';
import { verifyCommit } from '../../src/core/loop/verify-commit.js';
import type { PhaseOutcome } from '../../src/core/loop/context.js';
import { FakeGit } from '../fakes/fake-git.js';
import { iterationAt, type AgentAct } from '../fakes/loop-fakes.js';

type Iteration = ReturnType<typeof iterationAt>;

async function agentPhase(git: FakeGit, act: AgentAct, o: Parameters<typeof iterationAt>[1] = {}): Promise<Iteration & { out: PhaseOutcome; start: string }> {
  const it = iterationAt(git, { ...o, acts: [act] });
  assert.equal((await guardTree(it.c)).kind, 'next');
  await prompt(it.c);
  const start = it.c.it.headBefore!;
  return { ...it, out: await agent(it.c), start };
}

function failed(out: PhaseOutcome): { reason: string; detail: string } {
  assert.ok(out.kind === 'end' && out.result.kind === 'failed', JSON.stringify(out));
  return out.result;
}

test('guard: a detached HEAD with commits is put back on the branch, the commits kept under refs/gdnctl/head/', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  let detached = '';
  const { out, start } = await agentPhase(git, (g) => {
    g.detach();
    detached = g.commitAll('agent on a detached HEAD', { 'b.txt': 'b' });
  });
  const f = failed(out);
  assert.equal(f.reason, 'head-switched');
  assert.match(f.detail, /detached HEAD at [0-9a-f]{12}; gdnctl checked out main again at [0-9a-f]{12} and kept the detached commits at refs\/gdnctl\/head\/iter-001/);
  assert.deepEqual([git.branchName, git.headSha], ['main', start]);
  assert.equal(git.refs.get('refs/gdnctl/head/iter-001'), detached);
  assert.equal(git.read('b.txt'), undefined);
});

test('guard: a switch to another branch is undone; an operator branch the agent moved or deleted, and a tag, are put back', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const root = git.headSha!;
  git.branches.set('feature', root);
  git.branches.set('old', root);
  git.setRef('refs/tags/v1', root);
  let onFeature = '';
  const { out, start } = await agentPhase(git, (g) => {
    g.switchBranch('feature');
    onFeature = g.commitAll('agent on feature', { 'f.txt': 'f' });
    g.setRef('refs/heads/old', undefined);
    g.setRef('refs/tags/v1', onFeature);
  });
  const f = failed(out);
  assert.equal(f.reason, 'head-switched');
  assert.match(f.detail, /switched to branch feature; gdnctl checked out main again/);
  assert.match(f.detail, /operator-ref-moved: the agent changed heads\/feature moved to [0-9a-f]{12}, heads\/old deleted, tags\/v1 moved to [0-9a-f]{12}; gdnctl put them back/);
  assert.deepEqual([git.branchName, git.headSha], ['main', start]);
  assert.deepEqual([git.branches.get('feature'), git.branches.get('old'), git.refs.get('refs/tags/v1')], [root, root, root]);
  assert.equal(git.refs.get('refs/gdnctl/moved/iter-001/heads/feature'), onFeature);
  assert.equal(git.refs.get('refs/gdnctl/moved/iter-001/tags/v1'), onFeature);
});

test('guard: commits on the branch plus a moved tag: the branch stays, the range is reverted with operator-ref-moved', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  git.setRef('refs/tags/v1', git.headSha);
  const { out, start, c } = await agentPhase(git, (g) => {
    const sha = g.commitAll('agent', { 'b.txt': 'b' });
    g.setRef('refs/tags/v1', sha);
  });
  assert.ok(out.kind === 'revert' && out.reason === 'operator-ref-moved', JSON.stringify(out));
  assert.deepEqual(out.range.from, start);
  const r = await revertAndFail(c, out);
  assert.ok(r.kind === 'failed' && r.revertSha);
  assert.equal(git.read('b.txt'), undefined);
  assert.equal(git.refs.get('refs/tags/v1'), start);
});

test('guard: a rewritten branch goes back to the start with the agent commits kept; the next attempt starts there', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const root = git.headSha!;
  git.commitAll('pre-loop commit', { 'c.txt': 'c' });
  let rewritten = '';
  const acts: AgentAct[] = [
    (g) => {
      g.resetHard(root);
      rewritten = g.commitAll('agent rewrites', { 'd.txt': 'd' });
      return { ok: false, failure: 'agent-exit-nonzero', detail: 'boom' };
    },
    (g) => void g.commitAll('second attempt', { 'e.txt': 'e' }),
  ];
  const it = iterationAt(git, { acts, settings: { codexRetries: 1 } });
  await guardTree(it.c);
  await prompt(it.c);
  const start = it.c.it.headBefore!;
  const out = await agent(it.c);
  const f = out.kind === 'revert' ? out : undefined;
  assert.ok(f, JSON.stringify(out));
  assert.equal(f.reason, 'history-rewritten');
  assert.match(f.detail, /\(main is back at [0-9a-f]{12}, the agent's commits are kept at refs\/gdnctl\/rewritten\/iter-001\): the agent rewound or rewrote history/);
  assert.equal(git.refs.get('refs/gdnctl/rewritten/iter-001'), rewritten);
  assert.equal(git.commits.get(git.headSha!)?.parents[0], start, 'attempt 2 committed on top of the restored start');
  assert.equal(git.read('c.txt'), 'c', 'the pre-loop commit is back');
});

test('guard: a half-done merge is saved under refs/gdnctl/aborted/ and aborted; a stale index.lock is removed', async () => {
  const git = new FakeGit({ 'a.txt': 'a\n' });
  let mine = '';
  const { out, start, c } = await agentPhase(git, (g) => {
    mine = g.leaveOperation('merge');
    g.lockIndex();
  });
  assert.ok(out.kind === 'revert' && out.reason === 'index-lock-left', JSON.stringify(out));
  assert.match(out.detail, /^the agent left \.git\/index\.lock behind .*; git-operation-left: the agent left a merge half done; gdnctl saved the tree as it was at refs\/gdnctl\/aborted\/iter-001/);
  assert.deepEqual([out.range.from, out.range.to], [start, mine]);
  assert.equal(git.operation, undefined);
  assert.equal(git.indexLocked, false);
  assert.match(git.show('refs/gdnctl/aborted/iter-001', 'a.txt') ?? '', /^<<<<<<< /);
  assert.equal((await revertAndFail(c, out)).kind, 'failed');
  assert.equal(git.read('a.txt'), 'a\n');
});

test('guard: the operator\'s stashes are held under refs/gdnctl/stash/; `git stash clear` is undone, the iteration goes on', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  git.write({ 'old.txt': 'older operator stash' });
  git.agentStash('operator: older work');
  const older = git.stashes[0]!.sha;
  const { out, d } = await agentPhase(git, (g) => {
    g.agentStashClear();
    g.commitAll('agent', { 'b.txt': 'b' });
  });
  assert.equal(out.kind, 'next');
  assert.deepEqual(git.stashes.map((s) => [s.sha, s.subject]), [[older, 'On main: operator: older work']]);
  assert.equal(git.refs.get(`refs/gdnctl/stash/${older}`), older);
  assert.ok(d.console.lines.some((l) => /the agent removed 1 stash entry \([0-9a-f]{12}\); gdnctl put them back in git stash list/.test(l)), d.console.lines.join('\n'));
});

test('guard: `stash pop` + commit of the operator\'s stash fails the iteration (operator-work-committed), and the work comes back', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  git.write({ 'a.txt': 'operator edit', 'wip.txt': 'operator notes' });
  const it = iterationAt(git, { settings: { dirtyPolicy: 'stash' }, acts: [(g) => {
    g.agentStashPop();
    g.commitAll('agent takes everything', { 'b.txt': 'b' });
  }] });
  await guardTree(it.c);
  const operator = it.state.operatorStash!;
  await prompt(it.c);
  const out = await agent(it.c);
  assert.ok(out.kind === 'revert' && out.reason === 'operator-work-committed', JSON.stringify(out));
  assert.match(out.detail, /hold the stashed work [0-9a-f]{12} \(a\.txt, wip\.txt\)/);
  const result = await revertAndFail(it.c, out);
  await record(it.c, result);
  assert.deepEqual([git.read('a.txt'), git.read('wip.txt'), git.read('b.txt')], ['operator edit', 'operator notes', undefined]);
  assert.equal(git.stashes.some((s) => s.sha === operator), false, 'restored and dropped');
});

test('guard: a kept operator stash the agent dropped is put back before gdnctl says "kept it in git stash list"', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  git.write({ 'a.txt': 'operator edit' });
  const it = iterationAt(git, { settings: { dirtyPolicy: 'stash' }, acts: [(g) => {
    g.agentStashDrop();
    g.commitAll('agent edits the same file', { 'a.txt': 'agent edit' });
  }] });
  await guardTree(it.c);
  const operator = it.state.operatorStash!;
  await prompt(it.c);
  assert.equal((await agent(it.c)).kind, 'next');
  await record(it.c, { kind: 'kept', range: { from: it.c.it.headBefore!, to: git.headSha!, shas: [git.headSha!] } });
  assert.ok(it.d.console.lines.some((l) => l.includes(`kept it in git stash list — apply it by hand: git stash apply ${operator}`)), it.d.console.lines.join('\n'));
  assert.ok(git.stashes.some((s) => s.sha === operator), 'the claim holds');
});

test('guard: a run directory deleted by the agent gets its state.json back and the iteration fails with ledger-deleted', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const it = iterationAt(git, { acts: [(g) => void g.commitAll('agent', { 'b.txt': 'b' })] });
  await guardTree(it.c);
  await prompt(it.c);
  it.d.agent.run = async () => {
    it.d.ledger.state = undefined;
    return { ok: true, exitCode: 0, durationMs: 1, usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 }, argv: [] };
  };
  const out = failed(await agent(it.c));
  assert.equal(out.reason, 'ledger-deleted');
  assert.equal((it.d.ledger.state as { runId: string }).runId, 'test-run');
  assert.ok(it.d.ledger.files.has('ledger-recreated.txt'));
});

test('verify-commit: a range that tracks the run directory is reverted as ledger-committed, after untracking it', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const it = iterationAt(git, { acts: [(g) => void g.commitAll('agent adds everything', { 'logs/runs/r/state.json': '{}', 'b.txt': 'b' })] });
  Object.assign(it.c.s, { ledgerRel: 'logs' });
  await guardTree(it.c);
  await prompt(it.c);
  assert.equal((await agent(it.c)).kind, 'next');
  const out = await verifyCommit(it.c);
  assert.ok(out.kind === 'revert' && out.reason === 'ledger-committed', JSON.stringify(out));
  const r = await revertAndFail(it.c, out);
  assert.ok(r.kind === 'failed' && r.revertSha);
  assert.deepEqual(git.subjects().slice(0, 3), ['gdnctl: revert iteration 001 (ledger-committed)', 'gdnctl: untrack the run directory (iteration 001)', 'agent adds everything']);
  assert.equal(git.read('logs/runs/r/state.json'), '{}', 'the run directory stays on disk');
  assert.equal(git.read('b.txt'), undefined);
});

test('revert: a revert git refuses to commit is revert-failed (fatal), naming the range to revert by hand', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const it = iterationAt(git, { settings: { protect: ['b.txt'] }, acts: [(g) => void g.commitAll('agent', { 'b.txt': 'b' })] });
  await guardTree(it.c);
  await prompt(it.c);
  await agent(it.c);
  const out = await verifyCommit(it.c);
  assert.ok(out.kind === 'revert');
  git.revertRange = async () => {
    throw new Error('git commit (revert of x..y) failed (exit 128): error: gpg failed to sign the data');
  };
  const r = await revertAndFail(it.c, out);
  assert.ok(r.kind === 'failed' && r.reason === 'revert-failed', JSON.stringify(r));
  assert.match(r.detail, /could not commit the revert of [0-9a-f]{12}\.\.[0-9a-f]{12} \(.*gpg failed to sign the data\); revert it by hand/);
});
