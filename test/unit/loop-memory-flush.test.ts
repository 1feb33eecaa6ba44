/**
 * When the loop writes the memory's held-back files (issue 14): once the next agent has spawned (not before it
 * starts), before a sleep between iterations; the run session flushes them at the end and on a signal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopEngine } from '../../src/core/loop/engine.js';
import { FakeGit } from '../fakes/fake-git.js';
import { deps, newState, ScriptedAgent, settings, type AgentAct } from '../fakes/loop-fakes.js';

function logged() {
  const log: string[] = [];
  const memory = {
    placeholders: async () => ({}),
    directives: async () => [],
    record: async (i: number) => void log.push(`record ${i}`),
    flush: async () => void log.push('flush'),
  };
  // The agent process "spawns" (onSpawn), then works: the flush may only come after the spawn.
  const act: AgentAct = (git, input) => {
    input.onSpawn?.(4242);
    log.push(`agent ${input.iteration}`);
    git.commitAll(`agent ${input.iteration}`, { [`f${input.iteration}.txt`]: 'x' });
  };
  return { log, memory, act };
}

test('the previous iteration\'s memory files are written after the next agent has spawned, never between the record and the spawn', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const { log, memory, act } = logged();
  const r = await new LoopEngine(settings({ iterations: 2 }), deps(git, new ScriptedAgent(git, [act]), { memory }), newState()).run(1);
  assert.equal(r.kind, 'done');
  assert.deepEqual(log, ['agent 1', 'flush', 'record 1', 'agent 2', 'flush', 'record 2']);
});

test('a sleep between iterations starts with the memory files written', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const { log, memory, act } = logged();
  await new LoopEngine(settings({ iterations: 2, sleepSeconds: 1 }), deps(git, new ScriptedAgent(git, [act]), { memory }), newState()).run(1);
  assert.deepEqual(log, ['agent 1', 'flush', 'record 1', 'flush', 'agent 2', 'flush', 'record 2']);
});

test('a flush that fails is a warning, not a failed iteration', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const { memory, act } = logged();
  const failing = { ...memory, flush: async () => Promise.reject(new Error('disk full')) };
  const d = deps(git, new ScriptedAgent(git, [act]), { memory: failing });
  const r = await new LoopEngine(settings({ iterations: 2 }), d, newState()).run(1);
  assert.equal(r.kind, 'done');
  assert.ok(d.console.lines.some((l) => /writing the memory files failed: disk full/.test(l)), d.console.lines.join('\n'));
});
