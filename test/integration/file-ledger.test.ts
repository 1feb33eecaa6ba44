import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLedger, listRuns, newRunId } from '../../src/adapters/ledger/file-ledger.js';
import { createRedactor } from '../../src/redact.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'gdnctl-ledger-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('state is replaced atomically, files are private, secrets never reach the disk', async (t) => {
  const dir = tempDir(t);
  const secret = 'sk-test-0123456789abcdef';
  const ledger = await FileLedger.open(join(dir, 'runs', 'r1'), createRedactor({ OPENAI_API_KEY: secret }));
  await ledger.writeState({ n: 1, note: `key ${secret}` });
  await ledger.writeState({ n: 2 });
  assert.deepEqual(await ledger.readState(), { n: 2 });
  assert.deepEqual(readdirSync(ledger.runDir).filter((f) => f.includes('.tmp-')), [], 'no temp file left behind');
  await ledger.event('phase', { phase: 'agent', echo: secret });
  await ledger.writeFile('iter-001/prompt.md', `use ${secret}`);
  for (const f of ['state.json', 'events.jsonl', 'iter-001/prompt.md']) {
    const p = join(ledger.runDir, f);
    assert.doesNotMatch(readFileSync(p, 'utf8'), new RegExp(secret), f);
    assert.equal(statSync(p).mode & 0o777, 0o600, f);
  }
  assert.equal(statSync(join(ledger.runDir, 'iter-001')).mode & 0o777, 0o700);
  const ev = JSON.parse(readFileSync(join(ledger.runDir, 'events.jsonl'), 'utf8').trim()) as Record<string, unknown>;
  assert.equal(ev.schemaVersion, 1);
  assert.equal(ev.type, 'phase');
  assert.ok(!Number.isNaN(Date.parse(String(ev.ts))));
});

test('an interrupted attempt moves to attempt-K, K counting up, and nothing is overwritten', async (t) => {
  const ledger = await FileLedger.open(join(tempDir(t), 'r'), (s) => s);
  assert.equal(await ledger.archiveAttempt(3), 0, 'nothing to move');
  await ledger.writeFile('iter-003/prompt.md', 'first');
  assert.equal(await ledger.archiveAttempt(3), 1);
  await ledger.writeFile('iter-003/prompt.md', 'second');
  assert.equal(await ledger.archiveAttempt(3), 2);
  const d = ledger.iterDir(3);
  assert.equal(readFileSync(join(d, 'attempt-1', 'prompt.md'), 'utf8'), 'first');
  assert.equal(readFileSync(join(d, 'attempt-2', 'prompt.md'), 'utf8'), 'second');
  assert.ok(!existsSync(join(d, 'prompt.md')));
});

test('runs list newest first, with run.json and state.json', async (t) => {
  const logDir = tempDir(t);
  const ids = [newRunId(new Date('2026-01-01T00:00:00.005Z')), newRunId(new Date('2026-01-01T00:00:00.040Z'))];
  for (const id of ids) {
    const l = await FileLedger.open(join(logDir, 'runs', id), (s) => s);
    await l.writeJson('run.json', { runId: id });
    await l.writeState({ status: 'interrupted' });
  }
  const runs = await listRuns(logDir);
  assert.deepEqual(runs.map((r) => r.runId), [...ids].reverse());
  assert.equal(runs[0]!.state?.status, 'interrupted');
  assert.match(ids[0]!, /^20260101-000000-005-[0-9a-f]{4}$/);
});

test('a listing reads a run\'s state.json only when its state is asked for, once; a torn or missing one is no state', async (t) => {
  const logDir = tempDir(t);
  const ids = ['20260101-000000-001-aaaa', '20260101-000000-002-bbbb', '20260101-000000-003-cccc'];
  for (const id of ids) {
    const l = await FileLedger.open(join(logDir, 'runs', id), (s) => s);
    await l.writeJson('run.json', { runId: id });
    await l.writeState({ status: 'done', iteration: 1 });
  }
  writeFileSync(join(logDir, 'runs', ids[0]!, 'state.json'), '{"status": "runn');
  rmSync(join(logDir, 'runs', ids[1]!, 'state.json'));
  const runs = await listRuns(logDir);
  assert.deepEqual(runs.map((r) => r.runId), [...ids].reverse());
  // Changed after the listing, before the first look: the listing had not read it.
  writeFileSync(join(logDir, 'runs', ids[2]!, 'state.json'), JSON.stringify({ status: 'interrupted', iteration: 4 }));
  assert.equal(runs[0]!.state?.status, 'interrupted');
  writeFileSync(join(logDir, 'runs', ids[2]!, 'state.json'), JSON.stringify({ status: 'done', iteration: 9 }));
  assert.equal(runs[0]!.state?.iteration, 4, 'read once');
  assert.equal(runs[1]!.state, undefined);
  assert.equal(runs[2]!.state, undefined);
  assert.deepEqual(Object.keys(runs[0]!), ['runId', 'runDir', 'run', 'state']);
});
