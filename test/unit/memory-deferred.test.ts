/**
 * The memory's held-back files (issue 14): with deferWrites, record() appends the row to ledger.jsonl and
 * keeps the rendered files (leaderboard, reports, the iteration's summary and reflexion) until flush(); the
 * next prompt's placeholders come from memory meanwhile, and a run killed before the flush loses no row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIterationMemory } from '../../src/core/measure/iteration-memory.js';
import { DeferredWrites } from '../../src/core/measure/deferred-writes.js';
import { carriedLedger } from '../../src/core/measure/ledger-rows.js';
import { MemoryBaselineStore, MemoryChampionStore, MemoryFiles } from '../fakes/measure-fakes.js';

const RUN = '/repo/.agents/logs/runs/r1';

class AppendFiles extends MemoryFiles {
  async append(path: string, text: string): Promise<void> {
    await this.write(path, (this.texts.get(path) ?? '') + text);
  }
}

function memory(files: MemoryFiles, deferWrites = true) {
  return createIterationMemory(
    { runDir: RUN, direction: 'lower', metric: 'step_ms', deferWrites },
    { files, champions: new MemoryChampionStore(files), baselines: new MemoryBaselineStore(files) },
  );
}

const written = (files: MemoryFiles): string[] => files.writes.map((p) => p.slice(RUN.length + 1));

test('a deferred record writes only the row log; the placeholders come from memory until the flush writes the files', async () => {
  const files = new AppendFiles();
  const mem = memory(files);
  await mem.record(1, { outcome: 'kept', strategy: 'Fuse the loops' });
  assert.deepEqual(written(files), ['ledger.jsonl'], 'nothing rendered before the next agent runs');
  const p = await mem.placeholders(2);
  assert.match(p.LEADERBOARD ?? '', /Fuse the loops/);
  assert.match(p.LAST_REFLEXION ?? '', /iter-001/);
  await mem.flush();
  assert.deepEqual(written(files).slice(1), ['iter-001/summary.md', 'iter-001/reflexion.md', 'ledger.json', 'leaderboard.md', 'final-report.md', 'report.html']);
  assert.equal(files.texts.get(`${RUN}/leaderboard.md`), p.LEADERBOARD);
  assert.equal(files.texts.get(`${RUN}/iter-001/reflexion.md`), p.LAST_REFLEXION);
});

test('a second record with no flush between writes the first one\'s files first: at most one record waits', async () => {
  const files = new AppendFiles();
  const mem = memory(files);
  await mem.record(1, { outcome: 'kept', strategy: 'Fuse' });
  await mem.record(2, { outcome: 'kept', strategy: 'Unroll' });
  assert.ok(files.texts.has(`${RUN}/iter-001/summary.md`));
  assert.ok(!files.texts.has(`${RUN}/iter-002/summary.md`));
  await mem.flush();
  assert.deepEqual((JSON.parse(files.texts.get(`${RUN}/ledger.json`)!) as { rows: Array<{ iteration: number }> }).rows.map((r) => r.iteration), [1, 2]);
});

test('a run killed before the flush keeps its rows: a new memory over the same folder reads ledger.jsonl', async () => {
  const files = new AppendFiles();
  const mem = memory(files);
  await mem.record(1, { outcome: 'kept', strategy: 'Fuse' });
  await mem.flush();
  await mem.record(2, { outcome: 'failed', reason: 'post-check-failed', strategy: 'Unroll' });
  // killed here: ledger.json still holds iteration 1 only
  assert.equal((JSON.parse(files.texts.get(`${RUN}/ledger.json`)!) as { rows: unknown[] }).rows.length, 1);
  const resumed = memory(files);
  assert.deepEqual((await resumed.rows()).map((r) => [r.iteration, r.outcome]), [[1, 'kept'], [2, 'failed']]);
  // A new run of the experiment carries both rows too.
  const carried = JSON.parse(carriedLedger(files.texts.get(`${RUN}/ledger.json`), RUN, files.texts.get(`${RUN}/ledger.jsonl`))) as { rows: Array<{ iteration: number; runId: string }> };
  assert.deepEqual(carried.rows.map((r) => [r.iteration, r.runId]), [[1, 'r1'], [2, 'r1']]);
});

test('finalize writes what is pending, then the files from every row', async () => {
  const files = new AppendFiles();
  const mem = memory(files);
  await mem.record(1, { outcome: 'kept', strategy: 'Fuse' });
  await mem.finalize();
  assert.ok(files.texts.has(`${RUN}/iter-001/reflexion.md`));
  assert.match(files.texts.get(`${RUN}/leaderboard.md`)!, /Fuse/);
});

test('without deferWrites (or without an append) every record writes its files at once, as before', async () => {
  for (const files of [new AppendFiles(), new MemoryFiles()]) {
    const mem = memory(files, files instanceof AppendFiles ? false : true);
    await mem.record(1, { outcome: 'kept', strategy: 'Fuse' });
    assert.deepEqual(written(files), ['iter-001/summary.md', 'iter-001/reflexion.md', 'ledger.json', 'leaderboard.md', 'final-report.md', 'report.html']);
  }
});

test('deferred writes: a newer job under a key replaces the pending one, order is by last set, a failure is reported and the rest still run', async () => {
  const done: string[] = [];
  const log = (x: string): void => void done.push(x);
  const w = new DeferredWrites(true);
  await w.add('a', async () => log('a1'));
  await w.add('b', async () => {
    throw new Error('disk full');
  });
  await w.add('c', async () => log('c'));
  await w.add('a', async () => log('a2'));
  assert.equal(done.length, 0);
  await assert.rejects(w.flush(), /disk full/);
  assert.equal(done.join(), 'c,a2');
  await w.flush(); // nothing pending: the earlier failure went to its own caller
  const now = new DeferredWrites(false);
  await now.add('x', async () => log('x'));
  assert.equal(done.join(), 'c,a2,x');
});
