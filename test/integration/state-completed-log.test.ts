/**
 * state.json does not grow with the run (issue 14): while it is running, the summary rows go to completed.jsonl
 * (appended once each, again when one changes) and every reader gets them back; once the run is no longer
 * running, state.json holds the whole table itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLedger, listRuns } from '../../src/adapters/ledger/file-ledger.js';

const row = (iteration: number) => ({ iteration, outcome: 'kept', status: 'kept', durationMs: 1000, tokens: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 2 } });

test('a running run writes a state.json of the same size at every iteration; readState and listRuns see every row', async (t) => {
  const logDir = mkdtempSync(join(tmpdir(), 'gdnctl-state-'));
  t.after(() => rmSync(logDir, { recursive: true, force: true }));
  const runDir = join(logDir, 'runs', 'r1');
  const ledger = await FileLedger.open(runDir, (s) => s);
  await ledger.writeJson('run.json', { runId: 'r1' });
  const state = { schemaVersion: 1, runId: 'r1', status: 'running', iteration: 1, completed: [] as Array<ReturnType<typeof row>> };
  const sizes: number[] = [];
  for (let i = 1; i <= 50; i++) {
    state.iteration = i;
    state.completed.push(row(i));
    await ledger.writeState(state);
    await ledger.writeState(state, { durable: false }); // a second write of the same rows appends nothing
    sizes.push(statSync(join(runDir, 'state.json')).size);
  }
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 2, `state.json sizes ${Math.min(...sizes)}–${Math.max(...sizes)}`);
  assert.equal(readFileSync(join(runDir, 'completed.jsonl'), 'utf8').trim().split('\n').length, 50);
  const back = await ledger.readState<typeof state>();
  assert.deepEqual(back!.completed.map((c) => c.iteration), Array.from({ length: 50 }, (_, k) => k + 1));
  assert.equal((back as unknown as { completedLog?: unknown }).completedLog, undefined);
  // A row changed in place (the parallel orchestrator's explored) is appended again, and wins.
  state.completed[3]!.status = 'explored';
  await ledger.writeState(state);
  const [listed] = await listRuns(logDir);
  assert.equal((listed!.state as typeof state).completed[3]!.status, 'explored');
  // Done: the whole table is in state.json itself, for every reader of the file.
  state.status = 'done';
  await ledger.writeState(state);
  const onDisk = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as typeof state;
  assert.equal(onDisk.completed.length, 50);
  assert.equal(onDisk.completed[3]!.status, 'explored');
});
