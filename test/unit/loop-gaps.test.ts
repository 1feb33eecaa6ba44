import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopEngine } from '../../src/core/loop/engine.js';
import type { IterationRecord } from '../../src/core/loop/outcome.js';
import type { RunState } from '../../src/core/loop/run-state.js';
import { iterationStatus } from '../../src/core/loop/iteration-status.js';
import { summaryTable } from '../../src/cli/loop/loop-console.js';
import { loopExitCode } from '../../src/cli/loop-exit.js';
import { childEnv } from '../../src/core/child-env.js';
import type { MeasureDecision, Measurer } from '../../src/ports/bench.js';
import { FakeGit } from '../fakes/fake-git.js';
import { deps, newState, ScriptedAgent, ScriptedRunner, settings, type AgentAct } from '../fakes/loop-fakes.js';

const commits: AgentAct = (git, input) => void git.commitAll(`agent ${input.iteration}`, { [`src/f${input.iteration}.txt`]: 'x' });

function measurerSaying(decisions: MeasureDecision[], calls: string[] = []): Measurer {
  let k = 0;
  return {
    ensureBaseline: async () => ({ ok: true }),
    decide: async (input) => {
      calls.push(`decide ${input.iteration} champion=${input.championSha}`);
      return decisions[Math.min(k++, decisions.length - 1)]!;
    },
    remeasureChampion: async (head) => void calls.push(`remeasure ${head}`),
  };
}

const promoted = (over: Partial<MeasureDecision> = {}): MeasureDecision => ({ outcome: 'promoted', revert: false, runs: 5, reason: 'faster', candidate: 80, ...over });

test('--target: a kept decision that reaches it stops the loop with target-reached (exit 0), recorded in state and events', async () => {
  const git = new FakeGit();
  const d = deps(git, new ScriptedAgent(git, [commits]), { measurer: measurerSaying([promoted(), promoted({ targetReached: true, candidate: 70 })]) });
  const state = newState();
  const r = await new LoopEngine(settings({ iterations: 5 }), d, state).run(1);
  assert.deepEqual(r, { kind: 'target-reached', iteration: 2, value: 70 });
  assert.equal(loopExitCode(r), 0);
  const saved = d.ledger.state as RunState;
  assert.equal(saved.status, 'done');
  assert.equal(saved.stopReason, 'target-reached');
  assert.equal(saved.completed.length, 2, 'no third iteration ran');
  assert.equal(saved.completed[1]!.targetReached, true);
  assert.ok(d.ledger.eventsLog.some((e) => e.type === 'target-reached' && e.iteration === 2 && e.stops === true));
  assert.ok(d.ledger.eventsLog.some((e) => e.type === 'run-done' && e.stopReason === 'target-reached'));
  assert.ok(d.console.lines.some((l) => /🎯 target reached at iteration 2/.test(l)));
  assert.match(summaryTable(saved.completed, saved.tokens), /^2\s+promoted 🎯/m);
});

test('--continue-after-target: the target is noted and the loop goes on', async () => {
  const git = new FakeGit();
  const d = deps(git, new ScriptedAgent(git, [commits]), { measurer: measurerSaying([promoted({ targetReached: true })]) });
  const r = await new LoopEngine(settings({ iterations: 3, continueAfterTarget: true }), d, newState()).run(1);
  assert.deepEqual(r, { kind: 'done', iterations: 3 });
  assert.equal(d.ledger.eventsLog.filter((e) => e.type === 'target-reached' && e.stops === false).length, 3);
});

test('scope: a commit touching a file outside --scope-glob is reverted with a commit (outside-scope); the hill-climb log is exempt', async () => {
  const git = new FakeGit({ 'src/a.py': '1', 'docs/readme.md': 'r', 'log.md': '' });
  const d = deps(git, new ScriptedAgent(git, [(g) => void g.commitAll('sneaky', { 'src/a.py': '2', 'docs/readme.md': 'hacked', 'log.md': 'entry' })]));
  const r = await new LoopEngine(settings({ scopeGlob: ['src/**'], maxFailures: 5 }), d, newState()).run(1);
  assert.equal(r.kind, 'done');
  const rec = d.ledger.json<IterationRecord>('iter-001/record.json');
  assert.equal(rec.reason, 'outside-scope');
  assert.equal(rec.status, 'reverted-outside-scope');
  assert.match(rec.detail ?? '', /docs\/readme\.md/);
  assert.doesNotMatch(rec.detail ?? '', /log\.md/);
  assert.ok(rec.revertSha);
  assert.equal(git.read('src/a.py'), '1');
  assert.equal(git.read('docs/readme.md'), 'r');
});

test('scope: inside the scope (and an empty scope) is kept', async () => {
  for (const scopeGlob of [['src/**'], []]) {
    const git = new FakeGit({ 'src/a.py': '1' });
    const d = deps(git, new ScriptedAgent(git, [commits]));
    await new LoopEngine(settings({ scopeGlob }), d, newState()).run(1);
    assert.equal(d.ledger.json<IterationRecord>('iter-001/record.json').status, 'kept', JSON.stringify(scopeGlob));
  }
});

test('sync-main that moves HEAD: the champion is re-measured, then becomes the merge commit before the next decision', async () => {
  const git = new FakeGit({ 'a.txt': 'a' }, { remote: true });
  const upstream = git.pushUpstream('upstream speedup', { 'up.txt': 'fast' });
  const calls: string[] = [];
  const d = deps(git, new ScriptedAgent(git, [commits]), { measurer: measurerSaying([promoted()], calls) });
  const state = newState();
  await new LoopEngine(settings({ syncMainPolicy: 'once' }), d, state).run(1);
  assert.deepEqual(calls, [`remeasure ${upstream}`, `decide 1 champion=${upstream}`]);
  assert.ok(d.ledger.eventsLog.some((e) => e.type === 'champion-after-sync' && e.champion === upstream));
});

test('a failing re-measure after sync-main is an iteration error, and the champion stays', async () => {
  const git = new FakeGit({ 'a.txt': 'a' }, { remote: true });
  const start = await git.head();
  git.pushUpstream('upstream', { 'up.txt': 'x' });
  const m: Measurer = { ...measurerSaying([promoted()]), remeasureChampion: async () => Promise.reject(new Error('bench broke')) };
  const state = newState();
  state.champion = start;
  const d = deps(git, new ScriptedAgent(git, [commits]), { measurer: m });
  await new LoopEngine(settings({ syncMainPolicy: 'once', maxFailures: 5, iterationErrorPolicy: 'count-failure' }), d, state).run(1);
  const rec = d.ledger.json<IterationRecord>('iter-001/record.json');
  assert.equal(rec.reason, 'iteration-error');
  assert.match(rec.detail ?? '', /bench broke/);
  assert.equal(state.champion, start);
});

test('statuses: the summary distinguishes promoted, kept-within-noise, regression-reverted, reverted-post-check and no-commit', async () => {
  const git = new FakeGit();
  const decisions = [promoted(), { outcome: 'kept-within-noise', revert: false, runs: 5, reason: 'same' }, { outcome: 'regression', revert: true, runs: 5, reason: 'slower' }, promoted()] as MeasureDecision[];
  // iteration 4's post-check fails; iteration 5 makes no commit.
  const runner = new ScriptedRunner([0, 0, 0, 1, 0]);
  const agent = new ScriptedAgent(git, [commits, commits, commits, commits, () => undefined]);
  const d = deps(git, agent, { measurer: measurerSaying(decisions), runner });
  const state = newState();
  await new LoopEngine(settings({ iterations: 5, postCheck: ['make test'], maxFailures: -1, postCheckPolicy: 'count-failure', noCommitPolicy: 'count-failure' }), d, state).run(1);
  const statuses = [1, 2, 3, 4, 5].map((i) => d.ledger.json<IterationRecord>(`iter-00${i}/record.json`).status);
  assert.deepEqual(statuses, ['promoted', 'kept-within-noise', 'regression-reverted', 'reverted-post-check', 'no-commit']);
  const table = summaryTable(state.completed, state.tokens);
  for (const s of statuses) assert.match(table, new RegExp(`\\s${s}\\s`), table);
  assert.doesNotMatch(table, /\skept\s/);
});

test('iterationStatus: without a measurer a kept change is "kept"; other reverts say "reverted"', () => {
  const range = { from: 'a', to: 'b', shas: ['b'] };
  assert.equal(iterationStatus({ kind: 'kept', range }), 'kept');
  assert.equal(iterationStatus({ kind: 'kept', range, decision: { outcome: 'inconclusive', revert: false, runs: 20, reason: '' } }), 'kept-inconclusive');
  assert.equal(iterationStatus({ kind: 'failed', reason: 'agent-exit-nonzero', detail: '', phase: 'agent', range, revertSha: 'c' }), 'reverted');
  assert.equal(iterationStatus({ kind: 'failed', reason: 'agent-exit-nonzero', detail: '', phase: 'agent' }), 'failed');
  assert.equal(iterationStatus({ kind: 'failed', reason: 'no-metric', detail: '', phase: 'measure', revertSha: 'c', decision: { outcome: 'no-metric', revert: true, runs: 0, reason: '' } }), 'no-metric-reverted');
});

test('post-check env: test-runner variables are removed (set undefined so the runner drops the inherited ones)', async () => {
  const git = new FakeGit();
  const runner = new ScriptedRunner([0]);
  const d = deps(git, new ScriptedAgent(git, [commits]), { runner, env: { PATH: '/bin', NODE_TEST_CONTEXT: 'child-v8', VITEST_WORKER_ID: '1', KEEP: 'me' } });
  await new LoopEngine(settings({ postCheck: ['true'] }), d, newState()).run(1);
  const env = runner.specs[0]!.env!;
  assert.equal(env.KEEP, 'me');
  assert.ok('NODE_TEST_CONTEXT' in env && env.NODE_TEST_CONTEXT === undefined);
  assert.ok('VITEST_WORKER_ID' in env && env.VITEST_WORKER_ID === undefined);
  assert.deepEqual(childEnv({ A: '1' }, { NODE_UNIQUE_ID: '3', B: '2' }), { A: '1', NODE_UNIQUE_ID: undefined });
});

test('--plan-first: a read-only planning pass writes plan.md and the implementing pass gets the plan as a directive', async () => {
  const git = new FakeGit();
  const agent = new ScriptedAgent(git, [() => ({ lastMessage: '1. Fuse the two kernels in src/k.py\n2. Run the tests' }), commits]);
  const d = deps(git, agent);
  await new LoopEngine(settings({ planFirst: true }), d, newState()).run(1);
  assert.equal(agent.calls.length, 2);
  const [planner, implementer] = agent.calls;
  assert.equal(planner!.sandbox, 'read-only');
  assert.equal(planner!.outputSchemaFile, undefined, 'the planner answers in Markdown, not the report schema');
  assert.match(planner!.prompt, /PLANNING pass of gdnctl iteration 1[^]*=== The task of the implementing pass ===\n\nIteration 1\/1/);
  assert.equal(planner!.iterDir, '/fake/run/iter-001/plan-pass');
  assert.equal(implementer!.sandbox, undefined, 'the implementing pass keeps the configured sandbox');
  assert.match(implementer!.prompt, /\[Directive 2\]\nPlan for this iteration from the read-only planning pass \(saved as iter-001\/plan\.md\)[^]*1\. Fuse the two kernels/);
  assert.match(d.ledger.files.get('iter-001/plan.md') ?? '', /^# Plan from the read-only planning pass \(iter-001\)\n\n1\. Fuse/);
  assert.equal(d.ledger.files.get('iter-001/prompt.md'), implementer!.prompt);
  const rec = d.ledger.json<IterationRecord>('iter-001/record.json');
  assert.equal(rec.status, 'kept');
  assert.deepEqual(rec.tokens, { inputTokens: 20, cachedInputTokens: 0, outputTokens: 4 }, 'both passes count');
});

test('--plan-first: a planner that commits is reverted and fails the iteration (plan-pass-modified-tree); one that edits is stashed', async () => {
  for (const act of [commits, ((g) => void g.write({ 'scratch.txt': 'x' })) as AgentAct]) {
    const git = new FakeGit({ 'a.txt': 'a' });
    const agent = new ScriptedAgent(git, [act, commits]);
    const d = deps(git, agent);
    const r = await new LoopEngine(settings({ planFirst: true, maxFailures: 5 }), d, newState()).run(1);
    assert.equal(r.kind, 'done');
    assert.equal(agent.calls.length, 1, 'the implementing pass never ran');
    const rec = d.ledger.json<IterationRecord>('iter-001/record.json');
    assert.equal(rec.reason, 'plan-pass-modified-tree');
    assert.equal(rec.phase, 'plan');
    assert.equal(git.read('src/f1.txt'), undefined);
    assert.equal(git.read('scratch.txt'), undefined);
    if (act === commits) assert.ok(rec.revertSha, 'reverted by a commit');
    else assert.ok(rec.leftoverStash, 'edits stashed, never dropped');
  }
});

test('bootstrap-infra: asks only for what is missing; the checks prove the entry points run', async () => {
  const { bootstrapNeeds, bootstrapChecks, bootstrapPrompt } = await import('../../src/core/loop/bootstrap-infra.js');
  assert.equal(bootstrapNeeds({ postCheck: ['pytest'], bench: 'bash b.sh' }), undefined);
  assert.deepEqual(bootstrapNeeds({ postCheck: ['pytest'] }), { test: false, bench: true });
  const p = bootstrapPrompt({ test: false, bench: true }, { metric: 'step_ms', direction: 'lower', scope: ['src/**'] });
  assert.match(p, /bash \.gdnctl\/bench\.sh[^]*GDNCTL_METRIC \{"step_ms": <number>\}/);
  assert.doesNotMatch(p, /regression-test\.sh/);
  assert.match(p, /Do NOT optimize/);
  assert.deepEqual(bootstrapChecks({ test: true, bench: false }), ['bash .gdnctl/regression-test.sh']);
});

test('bootstrap-protected paths from state.json are enforced like --protect', async () => {
  const git = new FakeGit({ '.gdnctl/bench.sh': 'echo 1', 'src/a.py': '1' });
  const state = newState();
  state.bootstrapProtect = ['.gdnctl/bench.sh'];
  const d = deps(git, new ScriptedAgent(git, [(g) => void g.commitAll('cheat', { '.gdnctl/bench.sh': 'echo 0' })]));
  await new LoopEngine(settings({ maxFailures: 5 }), d, state).run(1);
  assert.equal(d.ledger.json<IterationRecord>('iter-001/record.json').reason, 'touched-protected-path');
  assert.equal(git.read('.gdnctl/bench.sh'), 'echo 1');
});
