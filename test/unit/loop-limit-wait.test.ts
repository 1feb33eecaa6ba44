/**
 * Usage limits pause the loop instead of stopping it: a limit with a reset time is waited out on the loop's
 * clock (shortened here: the clock jumps), then the same iteration's attempt runs again and succeeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopEngine } from '../../src/core/loop/engine.js';
import type { IterationRecord } from '../../src/core/loop/outcome.js';
import { planLimitWait } from '../../src/core/budget/limit-wait.js';
import type { Clock } from '../../src/ports/clock.js';
import { FakeGit } from '../fakes/fake-git.js';
import { deps, newState, ScriptedAgent, settings, type AgentAct } from '../fakes/loop-fakes.js';

/** Every sleep returns at once and moves the clock by its length; the sleeps are recorded. */
function jumpingClock(onSleep?: (ms: number) => void): Clock & { slept: number[] } {
  let t = Date.UTC(2026, 0, 1, 12);
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms, signal) => {
      slept.push(ms);
      onSleep?.(ms);
      if (signal?.aborted) throw new Error('aborted');
      t += ms;
    },
  };
}

const commits: AgentAct = (git, input) => void git.commitAll(`agent ${input.iteration}`, { [`f${input.iteration}.txt`]: 'x' });

test('a usage limit with a reset time: the loop waits until then (plus jitter), then the same iteration succeeds', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const clock = jumpingClock();
  const reset = clock.now() + 30 * 60_000;
  const limited: AgentAct = () => ({ ok: false, failure: 'agent-usage-limit', detail: 'exit 1: You’ve hit your usage limit. Try again at 12:30 PM.', limitResetAtMs: reset, usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 } });
  const agent = new ScriptedAgent(git, [limited, commits]);
  const d = deps(git, agent, { clock });
  const r = await new LoopEngine(settings({ iterations: 1 }), d, newState()).run(1);
  assert.deepEqual(r, { kind: 'done', iterations: 1 });
  assert.deepEqual(agent.calls.map((c) => c.iteration), [1, 1], 'the same iteration ran again');
  const rec = d.ledger.json<IterationRecord>('iter-001/record.json');
  assert.equal(rec.outcome, 'kept');
  const wait = d.ledger.eventsLog.find((e) => e.type === 'limit-wait');
  assert.ok(wait, 'the wait is in the ledger');
  const resumeAt = Date.parse(String(wait.resumeAt));
  assert.ok(resumeAt >= reset && resumeAt <= reset + 60_000, `resumes at ${String(wait.resumeAt)}`);
  assert.equal(wait.iteration, 1);
  assert.ok(clock.slept.some((ms) => ms >= 30 * 60_000 && ms <= 31 * 60_000), `slept ${clock.slept.join(', ')}`);
  assert.ok(d.console.lines.some((l) => /waiting until .*then the same attempt again/.test(l)), 'the console shows the wait');
});

test('a reset beyond --max-limit-wait-hours stops the run as before, saying when the limit resets', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const clock = jumpingClock();
  const limited: AgentAct = () => ({ ok: false, failure: 'agent-usage-limit', detail: 'limit', limitResetAtMs: clock.now() + 7 * 3_600_000 });
  const agent = new ScriptedAgent(git, [limited]);
  const d = deps(git, agent, { clock });
  const r = await new LoopEngine(settings({ iterations: 1, maxLimitWaitHours: 6 }), d, newState()).run(1);
  assert.ok(r.kind === 'stopped');
  assert.equal(r.stop.reason, 'agent-usage-limit');
  assert.match(r.stop.message, /resets at .*beyond --max-limit-wait-hours 6/);
  assert.equal(agent.calls.length, 1);
  assert.equal(d.ledger.eventsLog.filter((e) => e.type === 'limit-wait').length, 0);
});

test('a usage limit without a reset time still stops the run; a rate limit without one backs off as before', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const agent = new ScriptedAgent(git, [() => ({ ok: false, failure: 'agent-usage-limit', detail: 'Try again later.' })]);
  const r = await new LoopEngine(settings({ iterations: 1 }), deps(git, agent, { clock: jumpingClock() }), newState()).run(1);
  assert.ok(r.kind === 'stopped');
  assert.equal(r.stop.cause, 'fatal');

  const git2 = new FakeGit({ 'a.txt': 'a' });
  const agent2 = new ScriptedAgent(git2, [() => ({ ok: false, failure: 'agent-rate-limited', detail: '429' }), commits]);
  const d2 = deps(git2, agent2, { clock: jumpingClock() });
  const r2 = await new LoopEngine(settings({ iterations: 1 }), d2, newState()).run(1);
  assert.equal(r2.kind, 'done');
  assert.equal(d2.ledger.eventsLog.filter((e) => e.type === 'limit-wait').length, 0);
});

test('a signal during the wait: the loop ends interrupted (exit 130) after putting the operator’s work back', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  git.write({ 'wip.txt': 'mine' });
  const controller = new AbortController();
  const clock = jumpingClock((ms) => {
    if (ms >= 60_000) controller.abort({ signalName: 'SIGTERM' });
  });
  const limited: AgentAct = () => ({ ok: false, failure: 'agent-rate-limited', detail: 'try again in 20m', limitResetAtMs: clock.now() + 20 * 60_000 });
  const agent = new ScriptedAgent(git, [limited, commits]);
  const d = deps(git, agent, { clock, signal: controller.signal });
  const r = await new LoopEngine(settings({ iterations: 1, dirtyPolicy: 'stash' }), d, newState()).run(1);
  assert.deepEqual(r, { kind: 'interrupted', signalName: 'SIGTERM' });
  assert.equal(agent.calls.length, 1, 'no attempt after the signal');
  assert.equal(git.read('wip.txt'), 'mine', 'the operator’s stash is restored');
});

test('the waits of one pass add up to --max-limit-wait-hours at most; jitter is added on top of the reset', () => {
  const s = { maxWaitMs: 3_600_000, jitterMaxMs: 60_000 };
  assert.deepEqual(planLimitWait(10_000, 0, 0, s, () => 0.5), { kind: 'wait', untilMs: 40_000, waitMs: 40_000 });
  assert.deepEqual(planLimitWait(-5, 0, 0, s, () => 0), { kind: 'wait', untilMs: 0, waitMs: 0 }, 'a reset already past waits only the jitter');
  assert.equal(planLimitWait(1_800_000, 0, 1_900_000, s, () => 0).kind, 'too-long');
  assert.equal(planLimitWait(1_800_000, 0, 1_800_000, s, () => 0).kind, 'wait');
});
