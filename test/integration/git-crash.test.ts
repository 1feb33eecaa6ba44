/**
 * SIGKILL inside SimpleGitRepo operations (fault points), then what a resumed loop finds and does.
 * The fault marker proves the crash happened at that point, not somewhere near it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SimpleGitRepo } from '../../src/adapters/git/simple-git-repo.js';
import { TempRepo } from '../helpers/temp-repo.js';

const child = new URL('../helpers/git-op-child.ts', import.meta.url).pathname;

function crashAt(repo: TempRepo, point: string, args: string[]): void {
  const marker = repo.scratch(`fault-${point}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, repo.dir, ...args], {
    env: { ...repo.env, GDNCTL_FAULT: point, GDNCTL_FAULT_MARKER: marker },
    encoding: 'utf8',
  });
  assert.equal(r.signal, 'SIGKILL', `expected a SIGKILL at ${point}; stderr: ${r.stderr}`);
  assert.equal(readFileSync(marker, 'utf8'), `${point}\n`);
}

test('killed between staging a range revert and committing it: resume aborts the revert, history intact', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  const old = repo.head();
  repo.commit('agent 1', { 'b.txt': 'b\n' });
  const last = repo.commit('agent 2', { 'a.txt': 'two\n' });
  crashAt(repo, 'git.revert-staged', ['revert', old, last, 'gdnctl: revert iteration 001']);
  assert.equal(repo.head(), last);
  assert.notDeepEqual(repo.status(), []);
  const git = new SimpleGitRepo(repo.dir, { env: repo.env });
  assert.equal(await git.abortInterruptedOperation(), 'revert');
  assert.deepEqual(repo.status(), []);
  assert.equal(repo.head(), last);
  assert.equal(await git.abortInterruptedOperation(), undefined);
  // The range can then be reverted properly.
  assert.equal((await git.revertRange(old, last, 'gdnctl: revert iteration 001')).kind, 'reverted');
});

test('killed right after stash push: the stash is found by its message, nothing lost', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  repo.write({ 'a.txt': 'operator\n', 'new.txt': 'n\n' });
  crashAt(repo, 'git.stash-pushed', ['stash-push', 'gdnctl-operator-iter-003']);
  const git = new SimpleGitRepo(repo.dir, { env: repo.env });
  const found = (await git.stashList()).find((s) => s.message === 'gdnctl-operator-iter-003');
  assert.ok(found);
  assert.deepEqual(await git.stashApplyAndDrop(found.sha), { applied: true, dropped: true });
  assert.equal(repo.read('a.txt'), 'operator\n');
  assert.equal(repo.read('new.txt'), 'n\n');
});

test('killed between apply and drop: the work is back and the stash is still listed (never lost twice)', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  repo.write({ 'a.txt': 'operator\n' });
  const git = new SimpleGitRepo(repo.dir, { env: repo.env });
  const sha = await git.stashPush('operator');
  assert.ok(sha);
  crashAt(repo, 'git.stash-applied', ['apply', sha]);
  assert.equal(repo.read('a.txt'), 'operator\n');
  assert.deepEqual(repo.stashList().map((s) => s.sha), [sha]);
});

test('a merge left in progress is aborted on resume', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  repo.git('checkout', '-q', '-b', 'topic');
  repo.commit('topic', { 'a.txt': 'topic\n' });
  repo.git('checkout', '-q', 'main');
  const head = repo.commit('main', { 'a.txt': 'main\n' });
  assert.notEqual(repo.tryGit('merge', '--no-edit', 'topic').status, 0);
  const git = new SimpleGitRepo(repo.dir, { env: repo.env });
  assert.equal(await git.abortInterruptedOperation(), 'merge');
  assert.deepEqual(repo.status(), []);
  assert.equal(repo.head(), head);
});
