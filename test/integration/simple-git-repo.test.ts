import { rm } from 'node:fs/promises';
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
    subjects: async () => repo.log().map((l) => l.subject),
    pushUpstream: async (message, f) => repo.pushUpstream(message, f),
    dispose: async () => repo.dispose(),
  };
  return h;
});
