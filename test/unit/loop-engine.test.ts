import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopEngine } from '../../src/core/loop/engine.js';
import type { IterationRecord } from '../../src/core/loop/outcome.js';
import type { MeasureDecision, Measurer } from '../../src/ports/bench.js';
import { FakeGit } from '../fakes/fake-git.js';
import { deps, newState, ScriptedAgent, ScriptedRunner, settings, type AgentAct } from '../fakes/loop-fakes.js';

const commits: AgentAct = (git, input) => void git.commitAll(`agent ${input.iteration}`, { [`f${input.iteration}.txt`]: 'x' });
const nothing: AgentAct = () => undefined;

test('kept commits: prompt rendered with directives, phases evented in order, record written, state done', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const agent = new ScriptedAgent(git, [commits]);
  const d = deps(git, agent);
  const result = await new LoopEngine(settings({ iterations: 2 }), d, newState()).run(1);
  assert.deepEqual(result, { kind: 'done', iterations: 2 });
  assert.match(agent.calls[0]!.prompt, /^Iteration 1\/2 at [0-9a-f]+\n\nSession directives[^]*\[Directive 1\]\nbe bold\n$/);
  const phases = d.ledger.eventsLog.filter((e) => e.type === 'phase' && e.iteration === 1).map((e) => e.phase);
  assert.deepEqual(phases, ['guard-tree', 'prompt', 'agent', 'verify-commit', 'stamp', 'decide', 'record']);
  const rec = d.ledger.json<IterationRecord>('iter-002/record.json');
  assert.equal(rec.outcome, 'kept');
  assert.equal(rec.commits.length, 1);
  assert.equal((d.ledger.state as { status: string }).status, 'done');
});

test('policy × outcome: no-commit under fail / count-failure / continue', async () => {
  for (const [policy, expected] of [['fail', 'stopped'], ['count-failure', 'stopped'], ['continue', 'done']] as const) {
    const git = new FakeGit();
    const d = deps(git, new ScriptedAgent(git, [nothing]));
    const r = await new LoopEngine(settings({ iterations: 2, noCommitPolicy: policy }), d, newState()).run(1);
    assert.equal(r.kind, expected, policy);
    if (r.kind === 'stopped') assert.equal(r.stop.cause, policy === 'fail' ? 'policy-fail' : 'budget-total');
  }
});

test('a protected path is reverted with a commit before the policy applies', async () => {
  const git = new FakeGit({ 'gdnctl.yaml': 'a: 1\n', 'src.py': '1' });
  const d = deps(git, new ScriptedAgent(git, [(g) => void g.commitAll('cheat', { 'gdnctl.yaml': 'a: 2\n', 'src.py': '2' })]));
  const r = await new LoopEngine(settings({ maxFailures: 5 }), d, newState()).run(1);
  assert.equal(r.kind, 'done');
  const rec = d.ledger.json<IterationRecord>('iter-001/record.json');
  assert.equal(rec.reason, 'touched-protected-path');
  assert.ok(rec.revertSha);
  assert.equal(git.read('gdnctl.yaml'), 'a: 1\n');
  assert.equal(git.read('src.py'), '1');
});

test('operator work: stash SHA recorded in state before the agent runs, restored after', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  git.write({ 'wip.txt': 'mine' });
  let stateAtAgent: { operatorStash?: string } | undefined;
  const d = deps(git, new ScriptedAgent(git, []));
  const agent = new ScriptedAgent(git, [
    (g, input) => {
      stateAtAgent = d.ledger.state as { operatorStash?: string };
      assert.equal(g.read('wip.txt'), undefined, 'the agent does not see operator work');
      commits(g, input);
    },
  ]);
  d.agent = agent;
  const r = await new LoopEngine(settings({ dirtyPolicy: 'stash' }), d, newState()).run(1);
  assert.equal(r.kind, 'done');
  assert.match(stateAtAgent?.operatorStash ?? '', /^[0-9a-f]+$/);
  assert.equal(git.read('wip.txt'), 'mine');
  assert.equal(git.stashes.length, 0);
});

test('post-check failure reverts the whole range (agent + stamp) and counts under count-failure', async () => {
  const git = new FakeGit({ 'log.md': '### Iteration 1 - x\n- Commit: this commit\n' });
  const runner = new ScriptedRunner([1]);
  const d = deps(git, new ScriptedAgent(git, [(g) => void g.commitAll('agent', { 'b.txt': 'b', 'log.md': '### Iteration 1 - x\n- Commit: this commit\n\n' })]), { runner });
  const r = await new LoopEngine(settings({ postCheck: ['make test'], postCheckPolicy: 'count-failure', maxFailures: 3 }), d, newState()).run(1);
  assert.equal(r.kind, 'done');
  const rec = d.ledger.json<IterationRecord>('iter-001/record.json');
  assert.equal(rec.reason, 'post-check-failed');
  assert.ok(rec.stampSha, 'the stamp commit was made before the checks');
  assert.equal(git.read('b.txt'), undefined);
  assert.equal((d.ledger.state as { failures: number }).failures, 1);
  assert.deepEqual(runner.specs[0]!.argv.slice(0, 2), ['bash', '-lc']);
  assert.match(runner.specs[0]!.argv[2]!, /^export PATH='\/pkg\/bin':"\$PATH"\nmake test$/);
  assert.equal(runner.specs[0]!.env?.GDNCTL_ITERATION, '1');
});

test('a measurer that says revert: range reverted, reason measure-regression, champion unchanged', async () => {
  const git = new FakeGit();
  const start = await git.head();
  const decision: MeasureDecision = { outcome: 'regression', revert: true, runs: 3, reason: 'slower by 4 %' };
  const measurer: Measurer = { ensureBaseline: async () => ({ ok: true }), decide: async () => decision, remeasureChampion: async () => {} };
  const d = deps(git, new ScriptedAgent(git, [commits]), { measurer });
  const state = newState();
  await new LoopEngine(settings({ maxFailures: -1 }), d, state).run(1);
  const rec = d.ledger.json<IterationRecord>('iter-001/record.json');
  assert.equal(rec.reason, 'measure-regression');
  assert.equal(rec.decision?.reason, 'slower by 4 %');
  assert.equal(state.champion, start);
});

test('fatal agent failures stop at once without retries; transient ones retry', async () => {
  const git = new FakeGit();
  const fatal = new ScriptedAgent(git, [() => ({ ok: false, failure: 'agent-usage-limit', detail: 'usage limit reached' })]);
  const r = await new LoopEngine(settings({ codexRetries: 3, maxFailures: -1 }), deps(git, fatal), newState()).run(1);
  assert.equal(r.kind, 'stopped');
  assert.equal(r.kind === 'stopped' && r.stop.cause, 'fatal');
  assert.equal(fatal.calls.length, 1);
  const flaky = new ScriptedAgent(git, [() => ({ ok: false, failure: 'agent-server-error' }), () => ({ ok: false, failure: 'agent-network' }), commits]);
  const ok = await new LoopEngine(settings(), deps(git, flaky), newState()).run(1);
  assert.equal(ok.kind, 'done');
  assert.equal(flaky.calls.length, 3);
});

test('an abort during the agent ends the iteration as interrupted after restoring the operator stash', async () => {
  const git = new FakeGit();
  git.write({ 'wip.txt': 'mine' });
  const ac = new AbortController();
  const agent = new ScriptedAgent(git, [
    (g) => {
      g.write({ 'partial.txt': 'half' });
      ac.abort();
      return { ok: false, failure: 'agent-interrupted' };
    },
  ]);
  const r = await new LoopEngine(settings({ dirtyPolicy: 'stash' }), deps(git, agent, { signal: ac.signal }), newState()).run(1);
  assert.equal(r.kind, 'interrupted');
  assert.equal(git.read('wip.txt'), 'mine');
  assert.equal(git.read('partial.txt'), undefined);
  assert.ok(git.stashes.some((s) => s.message.includes('gdnctl-leftover-iter-001')));
});

test('an abort before the agent ran leaves the operator\'s uncommitted work in the tree, not in a leftover stash', async () => {
  const git = new FakeGit();
  git.write({ 'wip.txt': 'mine' });
  const ac = new AbortController();
  const node = { project: 'p', zone: 'z', cluster: 'c', name: 'n', acceleratorType: 'v5p-8', state: 'READY' as const, workers: [], labels: {} };
  // The signal lands during the TPU check at the iteration's start, before guard-tree stashed anything.
  const tpu = {
    acquire: async () => node,
    ensureAlive: async () => (ac.abort(), { node, reacquired: false }),
    current: () => node,
    release: async () => {},
    leaseFile: () => undefined,
  };
  const agent = new ScriptedAgent(git, [commits]);
  const r = await new LoopEngine(settings({ dirtyPolicy: 'stash' }), deps(git, agent, { signal: ac.signal, tpu }), newState()).run(1);
  assert.equal(r.kind, 'interrupted');
  assert.equal(agent.calls.length, 0, 'the agent never ran');
  assert.equal(git.read('wip.txt'), 'mine');
  assert.deepEqual(git.stashes.map((x) => x.message), [], 'nothing of the operator\'s was stashed as a leftover');
});

test('seams: memory fills placeholders and directives; a held TPU is checked and named to post-checks', async () => {
  const git = new FakeGit();
  const agent = new ScriptedAgent(git, [commits]);
  const runner = new ScriptedRunner([0]);
  let alive = 0;
  const node = { project: 'p', zone: 'z', cluster: 'c', name: 'n', acceleratorType: 'v5p-8', state: 'READY' as const, workers: [], labels: {} };
  const tpu = {
    acquire: async () => node,
    ensureAlive: async () => (alive++, { node, reacquired: false }),
    current: () => node,
    release: async () => {},
    leaseFile: () => undefined,
  };
  const recorded: number[] = [];
  const memory = {
    placeholders: async () => ({ LEADERBOARD: 'champion 1.00' }),
    directives: async () => ['generated directive'],
    record: async (i: number) => void recorded.push(i),
  };
  const s = { ...settings({ postCheck: ['check'] }), promptTemplate: 'Board: {{LEADERBOARD}}' };
  const r = await new LoopEngine(s, deps(git, agent, { runner, tpu, memory }), newState()).run(1);
  assert.equal(r.kind, 'done');
  assert.match(agent.calls[0]!.prompt, /^Board: champion 1\.00\n\n[^]*\[Directive 1\]\nbe bold\n\[Directive 2\]\ngenerated directive\n$/);
  assert.equal(alive, 1);
  assert.deepEqual(recorded, [1]);
  const env = runner.specs[0]!.env!;
  assert.deepEqual([env.GDNCTL_TPU_PROJECT, env.GDNCTL_TPU_ZONE, env.GDNCTL_TPU_CLUSTER, env.GDNCTL_TPU_NAME], ['p', 'z', 'c', 'n']);
});

test('--allow-dirty leaves uncommitted work where it is; a required-clean tree gets it stashed', async () => {
  for (const allowDirty of [true, false]) {
    const git = new FakeGit();
    const act: AgentAct = (g) => {
      g.commitAll('agent', { 'b.txt': 'b' });
      g.write({ 'after.txt': 'uncommitted' });
    };
    const r = await new LoopEngine(settings({ allowDirty }), deps(git, new ScriptedAgent(git, [act])), newState()).run(1);
    assert.equal(r.kind, 'done');
    assert.equal(git.read('after.txt'), allowDirty ? 'uncommitted' : undefined, String(allowDirty));
    assert.equal(git.stashes.length, allowDirty ? 0 : 1);
  }
});
