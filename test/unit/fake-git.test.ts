import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runGitContract, type GitHarness } from '../contract/git-contract.js';
import { FakeGit } from '../fakes/fake-git.js';

runGitContract('FakeGit', async (files, opts) => {
  const git = new FakeGit(files, { remote: opts?.remote });
  const h: GitHarness = {
    git,
    write: async (f) => git.write(f),
    remove: async (p) => git.remove(p),
    read: async (p) => git.read(p),
    commitAll: async (message, f) => git.commitAll(message, f),
    stage: async (p) => git.stage(p),
    move: async (from, to) => git.move(from, to),
    agentStash: async (message) => git.agentStash(message),
    agentStashDrop: async () => git.agentStashDrop(),
    agentSwitch: async (name) => git.switchBranch(name),
    agentDetach: async () => git.detach(),
    agentSetRef: async (ref, sha) => git.setRef(ref, sha),
    agentStashClear: async () => git.agentStashClear(),
    agentStashPop: async () => git.agentStashPop(),
    agentLeaves: async (op) => git.leaveOperation(op),
    agentLocksIndex: async () => git.lockIndex(),
    agentClearsExclude: async () => git.clearExclude(),
    show: async (rev, path) => git.show(rev, path),
    subjects: async () => git.subjects(),
    pushUpstream: async (message, f) => git.pushUpstream(message, f),
    dispose: async () => undefined,
  };
  return h;
});

test('FakeGit: scripted merge and revert outcomes come first, then the model resumes', async () => {
  const git = new FakeGit({ 'a.txt': 'a\n' }, { remote: true });
  const head = await git.head();
  git.script.merge.push({ kind: 'conflict', paths: ['x.py'] });
  assert.deepEqual(await git.merge('origin/main'), { kind: 'conflict', paths: ['x.py'] });
  assert.deepEqual(await git.merge('origin/main'), { kind: 'up-to-date' });
  const c = git.commitAll('agent', { 'b.txt': 'b\n' });
  git.script.revert.push({ kind: 'conflict', paths: ['b.txt'] });
  assert.deepEqual(await git.revertRange(head, c, 'r'), { kind: 'conflict', paths: ['b.txt'] });
  assert.equal(await git.head(), c);
  assert.equal((await git.revertRange(head, c, 'r')).kind, 'reverted');
});

test('FakeGit: resetHard rewinds history (for the loop\'s rewritten-history cases)', async () => {
  const git = new FakeGit({ 'a.txt': 'a\n' });
  const first = await git.head();
  const second = git.commitAll('second', { 'a.txt': 'b\n' });
  git.resetHard(first);
  assert.equal(await git.isAncestor(second, await git.head()), false);
  assert.equal(git.read('a.txt'), 'a\n');
  assert.equal(await git.commitExists(second), true);
});
