/**
 * The early phases one by one (guard-tree, sync-main, prompt, plan, agent, verify-commit, stamp), each called
 * with an iteration context over the in-process fakes, as the driver calls them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardTree } from '../../src/core/loop/guard-tree.js';
import { syncMain, syncsIn } from '../../src/core/loop/sync-main.js';
import { plan, prompt } from '../../src/core/loop/prompt.js';
import { agent } from '../../src/core/loop/agent.js';
import { verifyCommit } from '../../src/core/loop/verify-commit.js';
import { stamp } from '../../src/core/loop/stamp.js';
import type { PhaseOutcome } from '../../src/core/loop/context.js';
import type { Measurer } from '../../src/ports/bench.js';
import { FakeGit } from '../fakes/fake-git.js';
import { iterationAt, type AgentAct } from '../fakes/loop-fakes.js';

const commits: AgentAct = (git, input) => void git.commitAll(`agent ${input.iteration}`, { [`src/f${input.iteration}.txt`]: 'x' });

function failure(out: PhaseOutcome): { reason: string; detail: string; phase: string } {
  assert.equal(out.kind, 'end');
  assert.ok(out.kind === 'end' && out.result.kind === 'failed', JSON.stringify(out));
  return out.result;
}

test('guard-tree: the iteration start is in state.json before the tree is looked at; a clean tree goes on', async () => {
  const git = new FakeGit();
  let now = 1_000;
  const { c, d } = iterationAt(git, { i: 3, deps: { clock: { now: () => now, sleep: async () => {} } } });
  now += 2_345;
  assert.deepEqual(await guardTree(c), { kind: 'next' });
  assert.deepEqual(d.ledger.eventsLog, [{ type: 'phase', iteration: 3, phase: 'guard-tree' }]);
  assert.equal(d.ledger.stateWrites.length, 1);
  assert.deepEqual([d.ledger.stateWrites[0]!.state.iteration, d.ledger.stateWrites[0]!.state.phase], [3, 'guard-tree']);
  assert.deepEqual(d.console.lines, ['iteration 3/1 · checking the tree · 2.3s']);
});

test('guard-tree: --dirty-policy stash records the stash SHA in state.json before its event, and the tree is clean', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  git.write({ 'a.txt': 'mine', 'wip.txt': 'notes' });
  const { c, d, state } = iterationAt(git, { settings: { dirtyPolicy: 'stash' } });
  assert.equal((await guardTree(c)).kind, 'next');
  assert.match(state.operatorStash ?? '', /^[0-9a-f]{40}$/);
  assert.equal(git.stashes[0]!.message, 'gdnctl-operator-iter-001');
  assert.deepEqual(await git.status(), []);
  const stashed = d.ledger.eventsLog.findIndex((e) => e.type === 'operator-stashed');
  assert.deepEqual(d.ledger.eventsLog[stashed], { type: 'operator-stashed', iteration: 1, sha: state.operatorStash });
  const write = d.ledger.stateWrites.find((w) => w.state.operatorStash === state.operatorStash);
  assert.ok(write && write.afterEvents <= stashed, 'the SHA was durable before the event');
  assert.ok(d.console.lines.includes(`stashed your uncommitted work as ${state.operatorStash!.slice(0, 12)} (restored after the iteration)`));
});

test('guard-tree: --dirty-policy fail refuses with the fix; --allow-dirty leaves the work in place', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  git.write({ 'wip.txt': 'notes' });
  const refused = failure(await guardTree(iterationAt(git).c));
  assert.deepEqual([refused.reason, refused.phase], ['dirty-tree', 'guard-tree']);
  assert.match(refused.detail, /working tree is dirty \(1 path: wip\.txt\); commit or stash them, or pass --dirty-policy stash/);
  assert.equal((await guardTree(iterationAt(git, { settings: { allowDirty: true } }).c)).kind, 'next');
  assert.equal(git.stashes.length, 0);
  assert.equal(git.read('wip.txt'), 'notes');
});

test('guard-tree: a clean status left by the previous iteration is reused once, then asked for again', async () => {
  const git = new FakeGit();
  const { c } = iterationAt(git);
  git.write({ 'wip.txt': 'appeared' });
  c.cache.cleanStatus = [];
  assert.equal((await guardTree(c)).kind, 'next', 'the cached clean status stands in for git status');
  assert.equal(c.cache.cleanStatus, undefined);
  assert.equal(failure(await guardTree(c)).reason, 'dirty-tree');
});

test('sync-main: a merge that moves HEAD re-measures the champion, then makes the merge commit the champion', async () => {
  const git = new FakeGit({ 'a.txt': 'a' }, { remote: true });
  const upstream = git.pushUpstream('upstream', { 'up.txt': 'fast' });
  const calls: string[] = [];
  const measurer: Measurer = { ensureBaseline: async () => ({ ok: true }), decide: async () => Promise.reject(new Error('unused')), remeasureChampion: async (h) => void calls.push(h) };
  const { c, d, state } = iterationAt(git, { settings: { syncMainPolicy: 'once' }, deps: { measurer } });
  assert.equal((await syncMain(c)).kind, 'next');
  assert.deepEqual(calls, [upstream]);
  assert.equal(state.champion, upstream);
  assert.equal(d.ledger.stateWrites.at(-1)!.state.champion, upstream, 'persisted');
  assert.deepEqual(d.ledger.eventsLog, [
    { type: 'phase', iteration: 1, phase: 'sync-main', remote: 'origin', branch: 'main' },
    { type: 'champion-after-sync', iteration: 1, champion: upstream, remeasured: true },
  ]);
  assert.ok(d.console.lines.includes(`merged origin/main (HEAD ${upstream.slice(0, 12)})`));
});

test('sync-main: a conflict is skipped or fails by policy; a failed fetch is sync-failed', async () => {
  const conflicted = (): FakeGit => {
    const git = new FakeGit({ 'a.txt': 'a' }, { remote: true });
    git.script.merge.push({ kind: 'conflict', paths: ['a.txt'] });
    return git;
  };
  const skip = iterationAt(conflicted(), { settings: { syncMainConflictPolicy: 'skip' } });
  assert.equal((await syncMain(skip.c)).kind, 'next');
  assert.ok(skip.d.console.lines.includes('merging origin/main conflicts in a.txt (merge aborted); continuing unsynced (--sync-main-conflict-policy skip)'));
  const stop = failure(await syncMain(iterationAt(conflicted()).c));
  assert.deepEqual([stop.reason, stop.phase], ['sync-conflict', 'sync-main']);
  assert.match(stop.detail, /resolve it by hand or pass --sync-main-conflict-policy skip$/);
  assert.equal(failure(await syncMain(iterationAt(new FakeGit()).c)).reason, 'sync-failed');
});

test('sync-main runs every iteration, in the first only (once), or never', () => {
  const sync = (policy: 'off' | 'once' | 'each-iteration') => ({ policy, remote: 'o', branch: 'm', conflictPolicy: 'fail' as const });
  assert.deepEqual([1, 2].map((i) => syncsIn(sync('each-iteration'), i)), [true, true]);
  assert.deepEqual([1, 2].map((i) => syncsIn(sync('once'), i)), [true, false]);
  assert.deepEqual([1, 2].map((i) => syncsIn(sync('off'), i)), [false, false]);
});

test('prompt: HEAD becomes the iteration start (and the first champion); the rendered prompt is saved', async () => {
  const git = new FakeGit();
  const head = await git.head();
  const { c, d, state } = iterationAt(git);
  assert.equal((await prompt(c)).kind, 'next');
  assert.deepEqual([c.it.headBefore, state.headBefore, state.champion], [head, head, head]);
  assert.match(c.it.prompt ?? '', new RegExp(`^Iteration 1/1 at ${head}\\n\\nSession directives[^]*be bold\\n$`));
  assert.equal(d.ledger.files.get('iter-001/prompt.md'), c.it.prompt);
  assert.equal(d.ledger.stateWrites.length, 0, 'nothing to persist yet');
  const planning = iterationAt(git, { settings: { planFirst: true } });
  await prompt(planning.c);
  assert.equal(planning.d.ledger.files.get('iter-001/prompt.md'), undefined, 'under --plan-first the plan phase saves it');
});

test('plan: the planner runs read-only after headBefore is durable; its plan reaches the implementing prompt', async () => {
  const git = new FakeGit();
  let stateAtPlanner: { phase?: string; headBefore?: string } | undefined;
  const at = iterationAt(git, {
    settings: { planFirst: true },
    acts: [
      () => {
        stateAtPlanner = at.d.ledger.state as typeof stateAtPlanner;
        return { lastMessage: '1. Fuse the kernels' };
      },
    ],
  });
  const { c, d } = at;
  await prompt(c);
  assert.equal((await plan(c)).kind, 'next');
  assert.deepEqual(stateAtPlanner, { ...stateAtPlanner, phase: 'plan', headBefore: c.it.headBefore });
  assert.match(c.it.prompt ?? '', /Plan for this iteration from the read-only planning pass \(saved as iter-001\/plan\.md\)[^]*1\. Fuse the kernels\n$/);
  assert.equal(d.ledger.files.get('iter-001/prompt.md'), c.it.prompt);
  assert.ok(d.ledger.eventsLog.some((e) => e.type === 'plan-written' && e.chars === '1. Fuse the kernels'.length));
});

test('plan: a planner that commits hands back its range for the revert; one that edits fails the iteration; none warns', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const committing = iterationAt(git, { settings: { planFirst: true }, acts: [commits] });
  await prompt(committing.c);
  const out = await plan(committing.c);
  assert.equal(out.kind, 'revert');
  assert.ok(out.kind === 'revert' && out.reason === 'plan-pass-modified-tree' && out.range.from === committing.c.it.headBefore && out.range.to === (await git.head()));

  const editing = iterationAt(new FakeGit(), { settings: { planFirst: true }, acts: [(g) => void g.write({ 'scratch.txt': 'x' })] });
  await prompt(editing.c);
  const edited = failure(await plan(editing.c));
  assert.deepEqual([edited.reason, edited.phase], ['plan-pass-modified-tree', 'plan']);

  const silent = iterationAt(new FakeGit(), { settings: { planFirst: true }, acts: [() => ({ lastMessage: ' ' })] });
  await prompt(silent.c);
  const before = silent.c.it.prompt;
  assert.equal((await plan(silent.c)).kind, 'next');
  assert.equal(silent.c.it.prompt, before);
  assert.equal(silent.d.ledger.files.get('iter-001/prompt.md'), before);
  assert.ok(silent.d.console.lines.includes('iteration 1: the planning pass gave no plan; the implementing pass runs without one'));
});

test('agent: headBefore is in state.json before the agent runs; its process group only while it runs', async () => {
  const git = new FakeGit();
  const { c, d, state } = iterationAt(git);
  let stateAtRun: { phase?: string; headBefore?: string } | undefined;
  d.agent = {
    name: 'spawning',
    describe: () => [],
    preflight: async () => ({ warnings: [] }),
    run: async (input) => {
      stateAtRun = d.ledger.state as typeof stateAtRun;
      input.onSpawn?.(4242);
      input.onDisplay?.('thinking…');
      commits(git, input);
      return { ok: true, exitCode: 0, durationMs: 7, usage: { inputTokens: 5, cachedInputTokens: 1, outputTokens: 3 }, argv: [] };
    },
  };
  await prompt(c);
  assert.equal((await agent(c)).kind, 'next');
  assert.deepEqual([stateAtRun?.phase, stateAtRun?.headBefore], ['agent', c.it.headBefore]);
  const pgids = d.ledger.stateWrites.map((w) => w.state.agentPgid ?? null);
  assert.deepEqual(pgids, [null, 4242, null], 'written when it spawned, cleared once it is gone');
  assert.equal(state.agentPgid, undefined);
  assert.deepEqual([c.it.tokens.inputTokens, state.tokens.outputTokens, c.it.agentProcessMs], [5, 3, 7]);
  assert.ok(d.console.lines.includes('thinking…'), 'agent output reaches the console');
  assert.deepEqual(d.ledger.eventsLog.at(-1), { type: 'phase', iteration: 1, phase: 'agent', headBefore: c.it.headBefore });
});

test('agent: a failed pass that committed hands back its range for the revert; one that did not just fails', async () => {
  const git = new FakeGit();
  const committed = iterationAt(git, { acts: [(g, i) => (commits(g, i), { ok: false, failure: 'agent-timeout', detail: 'slow' })] });
  await prompt(committed.c);
  const out = await agent(committed.c);
  assert.equal(out.kind, 'revert');
  assert.ok(out.kind === 'revert' && out.reason === 'agent-timeout' && out.detail === 'agent-timeout: slow after 1 attempt(s)' && out.range.shas.length === 1);

  const plain = iterationAt(new FakeGit(), { acts: [() => ({ ok: false })] });
  await prompt(plain.c);
  const f = failure(await agent(plain.c));
  assert.deepEqual([f.reason, f.detail, f.phase], ['agent-exit-nonzero', 'agent-exit-nonzero after 1 attempt(s)', 'agent']);
});

test('verify-commit: no commit is no-commit (or no-change when allowed); leftovers are stashed by name first', async () => {
  const git = new FakeGit();
  const { c, d } = iterationAt(git);
  await prompt(c);
  git.write({ 'half.txt': 'x' });
  const f = failure(await verifyCommit(c));
  assert.deepEqual([f.reason, f.phase], ['no-commit', 'verify-commit']);
  assert.equal(git.stashes[0]!.message, 'gdnctl-leftover-iter-001');
  assert.equal(c.it.leftoverStash, git.stashes[0]!.sha);
  assert.ok(d.ledger.eventsLog.some((e) => e.type === 'leftovers-stashed' && e.sha === git.stashes[0]!.sha));
  const allowed = iterationAt(new FakeGit(), { settings: { allowNoCommit: true } });
  await prompt(allowed.c);
  assert.deepEqual(await verifyCommit(allowed.c), { kind: 'end', result: { kind: 'no-change' } });
});

test('verify-commit: a good range goes on; protected paths and paths outside the scope hand the range to the revert', async () => {
  const run = async (files: Record<string, string>, settings = {}) => {
    const git = new FakeGit({ 'gdnctl.yaml': 'a: 1\n', 'src/a.py': '1', 'log.md': '' });
    const { c } = iterationAt(git, { settings: { hillclimbLog: '/fake/repo/log.md', scopeGlob: ['src/**'], ...settings } });
    await prompt(c);
    git.commitAll('agent', files);
    return { out: await verifyCommit(c), c };
  };
  const good = await run({ 'src/a.py': '2', 'log.md': 'entry' });
  assert.equal(good.out.kind, 'next', 'the hill-climb log is exempt from the scope');
  assert.deepEqual(good.c.it.range, { from: good.c.it.headBefore, to: good.c.it.head, shas: [good.c.it.head] });
  const guarded = await run({ 'gdnctl.yaml': 'a: 2\n' });
  assert.ok(guarded.out.kind === 'revert' && guarded.out.reason === 'touched-protected-path' && /gdnctl\.yaml \(gdnctl\.yaml\)/.test(guarded.out.detail));
  const outside = await run({ 'docs/x.md': 'x' });
  assert.ok(outside.out.kind === 'revert' && outside.out.reason === 'outside-scope' && /\(src\/\*\*\): docs\/x\.md$/.test(outside.out.detail));
});

test('verify-commit: HEAD that does not descend from the start is history-rewritten, and nothing is reverted', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const root = await git.head();
  git.commitAll('second', { 'b.txt': 'b' });
  const { c } = iterationAt(git);
  await prompt(c);
  git.resetHard(root);
  git.commitAll('elsewhere', { 'c.txt': 'c' });
  const f = failure(await verifyCommit(c));
  assert.equal(f.reason, 'history-rewritten');
  assert.match(f.detail, /the agent rewound or rewrote history; nothing was reverted$/);
});

test('stamp: "Commit: this commit" becomes the agent\'s SHA in a commit of the loop\'s own; no entry, no commit', async () => {
  const git = new FakeGit({ 'log.md': '' });
  const { c } = iterationAt(git, { settings: { hillclimbLog: '/fake/repo/log.md' } });
  await prompt(c);
  const agentSha = git.commitAll('agent', { 'log.md': '### Iteration 1 - x\n- Commit: this commit\n', 'b.txt': 'b' });
  assert.equal((await verifyCommit(c)).kind, 'next');
  assert.equal((await stamp(c)).kind, 'next');
  assert.equal(git.read('log.md'), `### Iteration 1 - x\n- Commit: ${agentSha}\n`);
  assert.deepEqual(git.subjects().slice(0, 2), ['gdnctl: stamp iteration 001', 'agent']);
  assert.equal(c.it.stampSha, await git.head());
  assert.equal(c.it.head, c.it.stampSha);

  const bare = new FakeGit();
  const other = iterationAt(bare);
  await prompt(other.c);
  bare.commitAll('agent', { 'b.txt': 'b' });
  await verifyCommit(other.c);
  const before = await bare.head();
  assert.equal((await stamp(other.c)).kind, 'next');
  assert.equal(await bare.head(), before);
  assert.equal(other.c.it.stampSha, undefined);
});
