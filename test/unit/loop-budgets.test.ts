/**
 * Run budgets in the loop (src/core/budget/): each cap stops the run at the right iteration against a scripted
 * agent with known usage, the committed-spend rule refuses an iteration that would overshoot, and the time
 * caps end an agent pass that is still running, on a clock the test moves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopEngine } from '../../src/core/loop/engine.js';
import type { IterationRecord } from '../../src/core/loop/outcome.js';
import type { RunState } from '../../src/core/loop/run-state.js';
import { loopSettings } from '../../src/core/loop/settings.js';
import { UsageError } from '../../src/errors.js';
import type { AgentRunInput, AgentRunner, AgentRunResult, TokenUsage } from '../../src/ports/agent.js';
import type { Clock } from '../../src/ports/clock.js';
import type { TpuHold, TpuNode } from '../../src/ports/tpu.js';
import { FakeGit } from '../fakes/fake-git.js';
import { BASE_VALUES, deps, newState, ScriptedAgent, settings, type AgentAct } from '../fakes/loop-fakes.js';

const usage = (input: number, output: number, cached = 0): TokenUsage => ({ inputTokens: input, cachedInputTokens: cached, outputTokens: output });
const commitsUsing = (u: TokenUsage): AgentAct => (git, input) => {
  git.commitAll(`agent ${input.iteration}`, { [`f${input.iteration}.txt`]: 'x' });
  return { usage: u };
};

/** A clock the test moves: sleeps end when `advance` passes their deadline (or their signal fires). */
class ManualClock implements Clock {
  private t = Date.UTC(2026, 0, 1);
  private sleepers: Array<{ at: number; done: () => void }> = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = { at: this.t + ms, done: resolve };
      this.sleepers.push(s);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((x) => x !== s);
        reject(new Error('aborted'));
      }, { once: true });
    });
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.done();
  }
}

/** An agent that commits, then works `minutes` on the manual clock, a minute at a time, stopping when told. */
class SlowAgent implements AgentRunner {
  readonly name = 'slow';
  calls = 0;
  constructor(private readonly git: FakeGit, private readonly clock: ManualClock, private readonly minutes: number) {}
  describe(): string[] {
    return ['slow'];
  }
  async preflight(): Promise<{ warnings: string[] }> {
    return { warnings: [] };
  }
  async run(input: AgentRunInput): Promise<AgentRunResult> {
    this.calls += 1;
    this.git.commitAll(`agent ${input.iteration}`, { [`f${input.iteration}.txt`]: 'x' });
    for (let k = 0; k < this.minutes && !input.signal?.aborted; k++) {
      this.clock.advance(60_000);
      await new Promise((r) => setImmediate(r));
    }
    const base = { exitCode: null, durationMs: 1, usage: usage(10, 2), argv: [] };
    return input.signal?.aborted ? { ...base, ok: false, failure: 'agent-interrupted' } : { ...base, ok: true, exitCode: 0 };
  }
}

function stopOf(state: RunState): Pick<RunState, 'status' | 'stopReason'> {
  return { status: state.status, stopReason: state.stopReason };
}

test('--max-tokens: the run stops before the iteration whose committed spend would pass the cap', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const agent = new ScriptedAgent(git, [commitsUsing(usage(10, 2))]);
  const d = deps(git, agent);
  // 12 tokens an iteration: before iteration 3, 24 spent + 12 committed = 36 > 30.
  const r = await new LoopEngine(settings({ iterations: 5, maxTokens: 30 }), d, newState()).run(1);
  assert.equal(r.kind, 'stopped');
  assert.ok(r.kind === 'stopped');
  assert.deepEqual([r.stop.reason, r.stop.cause, r.stop.iteration], ['budget-tokens', 'budget', 3]);
  assert.equal(agent.calls.length, 2);
  assert.deepEqual(stopOf(d.ledger.state as RunState), { status: 'stopped', stopReason: 'budget-tokens' });
  const stopped = d.ledger.eventsLog.find((e) => e.type === 'run-stopped');
  assert.equal(stopped?.reason, 'budget-tokens');
  assert.match(String(stopped?.message), /--max-tokens 30: 24 spent and the largest iteration so far took 12/);
});

test('the committed spend: an iteration that would overshoot is not started, although the spend is still under the cap', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  // Iteration 1 takes 100 tokens; 100 < 150, but another such iteration would end at 200.
  const agent = new ScriptedAgent(git, [commitsUsing(usage(90, 10)), commitsUsing(usage(5, 5))]);
  const d = deps(git, agent);
  const r = await new LoopEngine(settings({ iterations: 3, maxTokens: 150 }), d, newState()).run(1);
  assert.ok(r.kind === 'stopped');
  assert.equal(r.stop.iteration, 2);
  assert.equal(agent.calls.length, 1);
  // Raised so the largest iteration fits: iteration 2 runs (10 tokens), then 110 + 100 > 200 stops iteration 3.
  const git2 = new FakeGit({ 'a.txt': 'a' });
  const agent2 = new ScriptedAgent(git2, [commitsUsing(usage(90, 10)), commitsUsing(usage(5, 5))]);
  const r2 = await new LoopEngine(settings({ iterations: 3, maxTokens: 200 }), deps(git2, agent2), newState()).run(1);
  assert.ok(r2.kind === 'stopped');
  assert.equal(r2.stop.iteration, 3);
  assert.equal(agent2.calls.length, 2);
});

test('--max-cost-usd: priced by the codex formula from modelPrices, stops at the right iteration', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  // 1M input (half cached) + 100k output = 0.5×2 + 0.5×0.5 + 0.1×8 = $2.05 an iteration; cap $5 → iterations 1, 2.
  const agent = new ScriptedAgent(git, [commitsUsing(usage(1_000_000, 100_000, 500_000))]);
  const d = deps(git, agent);
  const s = settings({
    iterations: 5, agent: 'codex', model: 'm1', maxCostUsd: 5,
    modelPrices: { m1: { inputUsdPerMTok: 2, cachedInputUsdPerMTok: 0.5, outputUsdPerMTok: 8 } },
  });
  const r = await new LoopEngine(s, d, newState()).run(1);
  assert.ok(r.kind === 'stopped');
  assert.deepEqual([r.stop.reason, r.stop.iteration], ['budget-cost', 3]);
  assert.match(r.stop.message, /\$4\.1000 spent and the largest iteration so far took \$2\.0500/);
  assert.equal((d.ledger.state as RunState).stopReason, 'budget-cost');
});

test('--max-cost-usd for a model without a price is refused (exit 2), naming the key to add', () => {
  assert.throws(
    () => loopSettings({ ...BASE_VALUES, model: 'gpt-x', maxCostUsd: 1, modelPrices: { other: { inputUsdPerMTok: 1, cachedInputUsdPerMTok: 1, outputUsdPerMTok: 1 } } }, { promptTemplate: '', promptFile: 'p', directives: [], binDir: '/b' }),
    (e: unknown) => e instanceof UsageError && /modelPrices\.gpt-x/.test(e.message),
  );
  // Without a cost cap the prices are not needed.
  assert.doesNotThrow(() => loopSettings({ ...BASE_VALUES, model: 'gpt-x', maxTokens: 5 }, { promptTemplate: '', promptFile: 'p', directives: [], binDir: '/b' }));
});

test('--max-wall-hours: an agent pass still running when the wall cap runs out is ended; its commit is reverted and the run stops', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const clock = new ManualClock();
  const agent = new SlowAgent(git, clock, 30);
  const d = deps(git, agent, { clock });
  const start = clock.now();
  const r = await new LoopEngine(settings({ iterations: 3, maxWallHours: 0.25 }), d, newState()).run(1);
  assert.ok(r.kind === 'stopped');
  assert.deepEqual([r.stop.reason, r.stop.cause, r.stop.iteration], ['budget-wall', 'budget', 1]);
  const minutes = (clock.now() - start) / 60_000;
  assert.ok(minutes >= 15 && minutes < 17, `ended after ${minutes} min, not the agent's 30`);
  const rec = d.ledger.json<IterationRecord>('iter-001/record.json');
  assert.equal(rec.reason, 'budget-wall');
  assert.ok(rec.revertSha, 'the unvalidated commit was reverted');
  assert.equal(git.read('f1.txt'), undefined);
  const state = d.ledger.state as RunState;
  assert.deepEqual(stopOf(state), { status: 'stopped', stopReason: 'budget-wall' });
  assert.ok((state.budgetSpent?.wallMs ?? 0) >= 15 * 60_000);
});

test('--max-tpu-hours: held time × chips (v5p-16 = 8 chips) ends the pass and stops before the next iteration', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const clock = new ManualClock();
  const node: TpuNode = { project: 'p', zone: 'z', cluster: 'c', name: 'n', acceleratorType: 'v5p-16', state: 'READY', workers: [], labels: {} };
  const tpu: TpuHold = {
    acquire: async () => node, ensureAlive: async () => ({ node, reacquired: false }), current: () => node, release: async () => undefined, leaseFile: () => undefined,
  };
  const agent = new SlowAgent(git, clock, 30);
  const d = deps(git, agent, { clock, tpu });
  const start = clock.now();
  // 1 chip-hour on 8 chips = 7.5 minutes of holding.
  const r = await new LoopEngine(settings({ iterations: 2, maxTpuHours: 1 }), d, newState()).run(1);
  assert.ok(r.kind === 'stopped');
  assert.equal(r.stop.reason, 'budget-tpu');
  const minutes = (clock.now() - start) / 60_000;
  assert.ok(minutes >= 7.5 && minutes < 9, `ended after ${minutes} min`);
  assert.equal((d.ledger.state as RunState).stopReason, 'budget-tpu');
  assert.equal(agent.calls, 1);
});

test('time caps are checked before an iteration too, from the time a resumed run had already spent', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const agent = new ScriptedAgent(git, [commitsUsing(usage(1, 1))]);
  const d = deps(git, agent, { clock: new ManualClock() });
  const state = { ...newState(), budgetSpent: { wallMs: 3_600_000, tpuChipMs: 0 } };
  const r = await new LoopEngine(settings({ iterations: 2, maxWallHours: 1 }), d, state).run(1);
  assert.ok(r.kind === 'stopped');
  assert.deepEqual([r.stop.reason, r.stop.iteration], ['budget-wall', 1]);
  assert.equal(agent.calls.length, 0);
});
