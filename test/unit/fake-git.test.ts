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
    subjects: async () => git.subjects(),
    pushUpstream: async (message, f) => git.pushUpstream(message, f),
    dispose: async () => undefined,
  };
  return h;
});
