import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holdHeapSmallFromFirstSpawn } from '../../src/core/run/heap.js';
import type { AgentRunInput, AgentRunner } from '../../src/ports/agent.js';

test('the wrapped agent passes every call through and still reports each spawn to the loop', async () => {
  const seen: string[] = [];
  const inner: AgentRunner = {
    name: 'fake',
    describe: () => ['fake', 'argv'],
    preflight: async () => ({ warnings: ['w'] }),
    run: async (input) => {
      input.onSpawn?.(4242);
      seen.push(`ran ${input.iteration}`);
      return { kind: 'ok' } as unknown as Awaited<ReturnType<AgentRunner['run']>>;
    },
  };
  const agent = holdHeapSmallFromFirstSpawn(inner);
  assert.equal(agent.name, 'fake');
  assert.deepEqual(agent.describe({} as AgentRunInput), ['fake', 'argv']);
  assert.deepEqual(await agent.preflight(), { warnings: ['w'] });
  for (const iteration of [1, 2]) {
    const r = await agent.run({ iteration, onSpawn: (pgid: number) => seen.push(`spawned ${iteration} ${pgid}`) } as unknown as AgentRunInput);
    assert.deepEqual(r, { kind: 'ok' });
  }
  // Without an onSpawn of its own the first run must not fail on the heap's hook.
  await agent.run({ iteration: 3 } as unknown as AgentRunInput);
  assert.deepEqual(seen, ['spawned 1 4242', 'ran 1', 'spawned 2 4242', 'ran 2', 'ran 3']);
});
