import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirtyMessage, judgeDirtyTree } from '../../src/core/loop/dirty-tree.js';

const st = (...paths: string[]) => paths.map((path) => ({ code: '??', path }));
const ledgerRel = '.agents/logs/gdn_codex_loop';

test('dirty tree: one verdict for preflight, guard-tree and resume', () => {
  assert.deepEqual(judgeDirtyTree([], { requireClean: true, dirtyPolicy: 'fail', ledgerRel }), { kind: 'clean' });
  assert.deepEqual(judgeDirtyTree(st('a.txt'), { requireClean: false, dirtyPolicy: 'fail', ledgerRel }), { kind: 'allowed', paths: ['a.txt'] });
  assert.deepEqual(judgeDirtyTree(st('a.txt'), { requireClean: true, dirtyPolicy: 'stash', ledgerRel }), { kind: 'stash', paths: ['a.txt'] });
  const refused = judgeDirtyTree(st('a.txt', 'b.txt'), { requireClean: true, dirtyPolicy: 'fail', ledgerRel });
  assert.equal(refused.kind, 'refuse');
  assert.equal(refused.kind === 'refuse' && refused.message, 'working tree is dirty (2 paths: a.txt, b.txt); commit or stash them, or pass --dirty-policy stash');
});

test("dirty tree: the ledger folder (not yet excluded before the first run) is never the operator's work", () => {
  const status = st('.agents/', '.agents/logs/gdn_codex_loop/runs/x/state.json', 'wip.txt');
  assert.deepEqual(judgeDirtyTree(status, { requireClean: true, dirtyPolicy: 'stash', ledgerRel }), { kind: 'stash', paths: ['wip.txt'] });
  assert.deepEqual(judgeDirtyTree(st('.agents/'), { requireClean: true, dirtyPolicy: 'fail', ledgerRel }), { kind: 'clean' });
  // A sibling folder whose name merely starts with the ledger's is the operator's.
  assert.deepEqual(judgeDirtyTree(st('.agents/logs/gdn_codex_loop2/x'), { requireClean: true, dirtyPolicy: 'stash', ledgerRel }), { kind: 'stash', paths: ['.agents/logs/gdn_codex_loop2/x'] });
  // A log dir outside the repository filters nothing.
  assert.deepEqual(judgeDirtyTree(st('../x'), { requireClean: true, dirtyPolicy: 'stash', ledgerRel: '../logs' }), { kind: 'stash', paths: ['../x'] });
});

test('dirty tree: the message shows ten paths and the count', () => {
  const paths = Array.from({ length: 12 }, (_, i) => `f${i}`);
  assert.match(dirtyMessage(paths), /^working tree is dirty \(12 paths: f0, f1, .*f9, … \(12 in all\)\); commit or stash them/);
  assert.match(dirtyMessage(['x']), /\(1 path: x\)/);
});
