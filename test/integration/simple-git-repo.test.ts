import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SimpleGitRepo } from '../../src/adapters/git/simple-git-repo.js';
import { runGitContract, type GitHarness } from '../contract/git-contract.js';
import { TempRepo } from '../helpers/temp-repo.js';

runGitContract('SimpleGitRepo', async (files, opts) => {
  const repo = await TempRepo.create({ files, remote: opts?.remote });
  const git = new SimpleGitRepo(repo.dir, { env: repo.env, lockRetrySleepMs: 20 });
  const h: GitHarness = {
    git,
    write: async (f) => repo.write(f),
    remove: async (p) => rm(join(repo.dir, p), { recursive: true, force: true }),
    read: async (p) => (repo.exists(p) ? repo.read(p) : undefined),
    commitAll: async (message, f) => repo.commit(message, f),
    stage: async (p) => void repo.git('add', '--', p),
    move: async (from, to) => void repo.git('mv', '--', from, to),
    agentStash: async (message) => void repo.git('stash', 'push', '-u', '-m', message),
    agentStashDrop: async () => void repo.git('stash', 'drop', '-q'),
    agentSwitch: async (name) => void (repo.tryGit('rev-parse', '--verify', '-q', `refs/heads/${name}`).status === 0 ? repo.git('switch', '-q', name) : repo.git('switch', '-q', '-c', name)),
    agentDetach: async () => void repo.git('checkout', '-q', '--detach'),
    agentSetRef: async (ref, sha) => void (sha === undefined ? repo.git('update-ref', '-d', ref) : repo.git('update-ref', ref, sha)),
    agentStashClear: async () => void repo.git('stash', 'clear'),
    agentStashPop: async () => void repo.git('stash', 'pop', '-q'),
    agentLeaves: async (op) => {
      repo.git('switch', '-q', '-c', 'side');
      repo.commit('side', { 'a.txt': 'side\n' });
      repo.git('switch', '-q', 'main');
      const mine = repo.commit('mine', { 'a.txt': 'mine\n' });
      const args = { merge: ['merge', 'side'], rebase: ['rebase', 'side'], 'cherry-pick': ['cherry-pick', 'side'] }[op];
      assert.notEqual(repo.tryGit(...args).status, 0, `${op} stops on the conflict`);
      return mine;
    },
    agentLocksIndex: async () => writeFile(join(repo.dir, '.git', 'index.lock'), ''),
    agentClearsExclude: async () => writeFile(join(repo.dir, '.git', 'info', 'exclude'), ''),
    show: async (rev, path) => {
      const r = repo.tryGit('show', `${rev}:${path}`);
      return r.status === 0 ? r.stdout : undefined;
    },
    subjects: async () => repo.log().map((l) => l.subject),
    pushUpstream: async (message, f) => repo.pushUpstream(message, f),
    dispose: async () => repo.dispose(),
  };
  return h;
});
