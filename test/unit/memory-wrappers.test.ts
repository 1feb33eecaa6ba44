import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IterationMemory } from '../../src/ports/bench.js';
import type { Ledger } from '../../src/ports/ledger.js';
import type { TpuHold } from '../../src/ports/tpu.js';
import { withTpuDirective } from '../../src/adapters/tpu/loop-tpu.js';
import { RunWriter, type ParallelRunState } from '../../src/core/parallel/run-writer.js';

/** A memory that holds its files back until flush(), as the file memory does. */
function heldBack(): IterationMemory & { written: number[]; scopes: Array<string | undefined> } {
  const pending: number[] = [];
  const written: number[] = [];
  const scopes: Array<string | undefined> = [];
  return {
    written,
    scopes,
    placeholders: async () => ({}),
    directives: async () => [],
    record: async (i) => {
      pending.push(i);
    },
    flush: async (scope) => {
      scopes.push(scope);
      written.push(...pending.splice(0));
    },
  };
}

// Every wrapper the loop puts around the iteration memory must pass flush() on: the loop writes the held-back
// leaderboard, summary and report only through it (a wrapper that dropped it lost the last iteration's files).
const wrappers: Array<[string, (m: IterationMemory) => IterationMemory]> = [
  ['the managed-TPU directive', (m) => withTpuDirective(m, { current: () => undefined } as unknown as TpuHold)],
  ['a parallel candidate\'s memory', (m) => new RunWriter({} as Ledger, {} as ParallelRunState, m, Date.now).candidateMemory(1, 1)!],
];

for (const [name, wrap] of wrappers) {
  test(`${name} passes flush() through to the memory it wraps`, async () => {
    const inner = heldBack();
    const outer = wrap(inner);
    await outer.record(3, { iteration: 3 });
    assert.deepEqual(inner.written, [], 'held back until flushed');
    assert.ok(outer.flush, 'the wrapper offers flush()');
    await outer.flush!();
    assert.deepEqual(inner.written, [3]);
    // The scope too: a flush while an agent runs may keep the reports back for the memory's interval.
    await outer.flush!('agent-running');
    assert.deepEqual(inner.scopes, [undefined, 'agent-running']);
  });
}
