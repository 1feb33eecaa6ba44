/** FileRunStore on a temp log dir against the RunStore contract, plus what only files show (modes, redaction). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { experimentFile, FileRunStore } from '../../src/adapters/ledger/file-ledger.js';
import { createRedactor } from '../../src/redact.js';
import { runRunStoreContract } from '../contract/run-store-contract.js';

runRunStoreContract('FileRunStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-runstore-'));
  return { store: new FileRunStore(dir, (s) => s), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
});

test('experiment.json is private, redacted and written without a temp file left; a copied file stays private', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-runstore-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const secret = 'sk-test-0123456789abcdef';
  const store = new FileRunStore(dir, createRedactor({ OPENAI_API_KEY: secret }));
  await store.writeExperiment({ schemaVersion: 1, id: 'e1', fingerprint: 'e1', createdAt: secret, iterations: 1, runs: [] });
  const file = experimentFile(dir, 'e1');
  assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(secret));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(join(dir, 'experiments', 'e1')), ['experiment.json']);
  const a = await store.create(new Date('2026-01-01T00:00:00.000Z'));
  const b = await store.create(new Date('2026-01-01T00:00:01.000Z'));
  await a.writeFile('champion.json', '{}');
  await store.copy(a.runId, b.runId, 'champion.json');
  assert.equal(statSync(join(b.runDir, 'champion.json')).mode & 0o777, 0o600);
});
