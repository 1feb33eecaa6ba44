/**
 * Behavioural contract of the RunStore port (src/ports/ledger.ts): the same cases against FileRunStore on a temp
 * log dir (test/integration/run-store.test.ts) and MemoryRunStore (test/unit/run-store-fake.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExperimentRecord, RunStore } from '../../src/ports/ledger.js';

export interface RunStoreHarness {
  store: RunStore;
  dispose(): Promise<void>;
}

async function withStore(make: () => Promise<RunStoreHarness>, fn: (store: RunStore) => Promise<void>): Promise<void> {
  const h = await make();
  try {
    await fn(h.store);
  } finally {
    await h.dispose();
  }
}

const record = (id: string, runs: string[]): ExperimentRecord => ({
  schemaVersion: 1, id, fingerprint: id.split('-')[0]!, createdAt: '2026-01-01T00:00:00.000Z', iterations: 3,
  runs: runs.map((runId, k) => ({ runId, startedAt: '2026-01-01T00:00:00.000Z', status: 'stopped', firstIteration: k + 1, lastIteration: k + 1 })),
});

export function runRunStoreContract(name: string, make: () => Promise<RunStoreHarness>): void {
  test(`${name}: runs list newest first with run.json and state.json; one without run.json is not a run`, () =>
    withStore(make, async (store) => {
      const older = await store.create(new Date('2026-01-01T00:00:00.000Z'));
      await older.writeJson('run.json', { runId: older.runId, experiment: 'e1' });
      await older.writeState({ status: 'stopped' });
      const newer = await store.create(new Date('2026-01-01T00:00:01.000Z'));
      await newer.writeJson('run.json', { runId: newer.runId });
      await store.create(new Date('2026-01-01T00:00:02.000Z'));
      const listed = await store.list();
      assert.deepEqual(listed.map((r) => r.runId), [newer.runId, older.runId]);
      assert.deepEqual([listed[1]!.run.experiment, listed[1]!.state?.status, listed[0]!.state], ['e1', 'stopped', undefined]);
    }));

  test(`${name}: a run's files read back; copying one into another run creates its folders; a missing one reads undefined and copies as false`, () =>
    withStore(make, async (store) => {
      const from = await store.create(new Date('2026-01-01T00:00:00.000Z'));
      const to = await store.create(new Date('2026-01-01T00:00:01.000Z'));
      await from.writeFile('baseline/result.txt', '# Raw: 1 2 3\n2\n');
      assert.equal(await store.readFile(from.runId, 'baseline/result.txt'), '# Raw: 1 2 3\n2\n');
      assert.equal(await store.readFile(from.runId, 'baseline/missing.txt'), undefined);
      assert.equal(await store.copy(from.runId, to.runId, 'baseline/result.txt'), true);
      assert.equal(await store.readFile(to.runId, 'baseline/result.txt'), '# Raw: 1 2 3\n2\n');
      assert.equal(await store.copy(from.runId, to.runId, 'champion.json'), false);
      assert.equal(await store.readFile(to.runId, 'champion.json'), undefined);
    }));

  test(`${name}: an experiment record reads back as written, a later write replaces it, an unknown id is undefined`, () =>
    withStore(make, async (store) => {
      assert.equal(await store.readExperiment('abc'), undefined);
      await store.writeExperiment(record('abc', ['r1']));
      await store.writeExperiment(record('abc-2', ['r9']));
      await store.writeExperiment(record('abc', ['r1', 'r2']));
      assert.deepEqual(await store.readExperiment('abc'), record('abc', ['r1', 'r2']));
      assert.deepEqual(await store.readExperiment('abc-2'), record('abc-2', ['r9']));
    }));
}
