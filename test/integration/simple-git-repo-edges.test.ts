/** SimpleGitRepo behaviour that only real git has: lock files, linked worktrees, merges in a range, hooks. */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GitCommandError } from '../../src/adapters/git/git-exec.js';
import { SimpleGitRepo } from '../../src/adapters/git/simple-git-repo.js';
import { TempRepo } from '../helpers/temp-repo.js';

async function setup(files: Record<string, string> = { 'a.txt': 'one\n', 'b.txt': 'bee\n' }) {
  const repo = await TempRepo.create({ files });
  const git = new SimpleGitRepo(repo.dir, { env: repo.env, lockRetries: 3, lockRetrySleepMs: 50 });
  return { repo, git };
}

test('a held index.lock is retried until it goes away', async (t) => {
  const { repo, git } = await setup();
  t.after(() => repo.dispose());
  const lock = join(repo.dir, '.git', 'index.lock');
  writeFileSync(lock, '');
  setTimeout(() => rmSync(lock), 80);
  repo.write({ 'log.md': 'x\n' });
  const sha = await git.commitPaths(['log.md'], 'stamp');
  assert.equal(repo.head(), sha);
});

test('a lock that stays is reported after the retries, as a GitCommandError', async (t) => {
  const { repo } = await setup();
  t.after(() => repo.dispose());
  const git = new SimpleGitRepo(repo.dir, { env: repo.env, lockRetries: 1, lockRetrySleepMs: 10 });
  writeFileSync(join(repo.dir, '.git', 'index.lock'), '');
  repo.write({ 'log.md': 'x\n' });
  await assert.rejects(git.commitPaths(['log.md'], 'stamp'), (e: unknown) => e instanceof GitCommandError && /index\.lock/.test(e.message));
});

test('branch() is undefined on a detached HEAD; open() finds the top level from a subfolder', async (t) => {
  const { repo } = await setup({ 'dir/x.txt': 'x' });
  t.after(() => repo.dispose());
  const git = await SimpleGitRepo.open(join(repo.dir, 'dir'), { env: repo.env });
  assert.equal(git.root, repo.dir);
  repo.git('checkout', '-q', '--detach');
  assert.equal(await git.branch(), undefined);
  await assert.rejects(SimpleGitRepo.open('/', { env: repo.env }), GitCommandError);
});

test('hasCommits() is false in a fresh repository', async (t) => {
  const { repo } = await setup();
  t.after(() => repo.dispose());
  const empty = repo.scratch('empty');
  repo.git('init', '-q', '-b', 'main', empty);
  const git = new SimpleGitRepo(empty, { env: repo.env });
  assert.equal(await git.hasCommits(), false);
  assert.equal(await git.branch(), 'main');
});

test('ensureExcluded in a linked worktree writes the common info/exclude', async (t) => {
  const { repo } = await setup();
  t.after(() => repo.dispose());
  const wt = repo.scratch('linked');
  repo.git('worktree', 'add', '-q', '-b', 'side', wt);
  const git = new SimpleGitRepo(wt, { env: repo.env });
  // Each worktree has its own git dir (and so its own run lock); they share info/exclude.
  assert.equal(await git.gitDir(), join(repo.dir, '.git', 'worktrees', 'linked'));
  writeFileSync(join(wt, 'run.log'), 'x');
  await git.ensureExcluded('run.log');
  assert.deepEqual(await git.status(), []);
  assert.match(readFileSync(join(repo.dir, '.git', 'info', 'exclude'), 'utf8'), /^run\.log$/m);
});

test('the trial restore leaves index and worktree untouched and works when HEAD was rewound', async (t) => {
  const { repo, git } = await setup();
  t.after(() => repo.dispose());
  const first = repo.head();
  repo.commit('second', { 'c.txt': 'c\n' });
  repo.write({ 'a.txt': 'operator\n', 'notes.txt': 'n\n' });
  const sha = await git.stashPush('operator');
  assert.ok(sha);
  // The agent rewinds history: HEAD no longer descends from the stash's base.
  repo.git('reset', '-q', '--hard', first);
  const index = repo.git('ls-files', '--stage');
  assert.equal(await git.stashCanApply(sha), true);
  assert.equal(repo.git('ls-files', '--stage'), index);
  assert.equal(repo.exists('notes.txt'), false);
  assert.deepEqual(repo.status(), []);
  assert.deepEqual(await git.stashApplyAndDrop(sha), { applied: true, dropped: true });
  assert.equal(repo.read('a.txt'), 'operator\n');
});

test('edits to different hunks of one file merge (the fake would call this a conflict)', async (t) => {
  const { repo, git } = await setup({ 'm.txt': 'a\nb\nc\nd\ne\nf\ng\n' });
  t.after(() => repo.dispose());
  repo.write({ 'm.txt': 'A\nb\nc\nd\ne\nf\ng\n' });
  const sha = await git.stashPush('operator');
  assert.ok(sha);
  repo.commit('agent', { 'm.txt': 'a\nb\nc\nd\ne\nf\nG\n' });
  assert.equal(await git.stashCanApply(sha), true);
  assert.deepEqual(await git.stashApplyAndDrop(sha), { applied: true, dropped: true });
  assert.equal(repo.read('m.txt'), 'A\nb\nc\nd\ne\nf\nG\n');
});

test('a failed apply on a dirty tree is not reset: operator work stays, the stash is kept', async (t) => {
  const { repo, git } = await setup();
  t.after(() => repo.dispose());
  repo.write({ 'a.txt': 'stashed\n' });
  const sha = await git.stashPush('operator');
  assert.ok(sha);
  repo.commit('agent', { 'a.txt': 'agent\n' });
  repo.write({ 'b.txt': 'unsaved operator edit\n' });
  const r = await git.stashApplyAndDrop(sha);
  assert.deepEqual(r, { applied: false, dropped: false });
  assert.equal(repo.read('b.txt'), 'unsaved operator edit\n');
  assert.deepEqual(repo.stashList().map((s) => s.sha), [sha]);
});

test('revertRange reverts a range holding an agent merge commit along the first-parent line', async (t) => {
  const { repo, git } = await setup();
  t.after(() => repo.dispose());
  const old = repo.head();
  repo.git('checkout', '-q', '-b', 'topic');
  repo.commit('topic work', { 't.txt': 't\n' });
  repo.git('checkout', '-q', 'main');
  repo.commit('main work', { 'b.txt': 'main\n' });
  repo.git('merge', '-q', '--no-edit', 'topic');
  const r = await git.revertRange(old, repo.head(), 'gdnctl: revert iteration 002');
  assert.equal(r.kind, 'reverted');
  assert.equal(repo.exists('t.txt'), false);
  assert.equal(repo.read('b.txt'), 'bee\n');
  assert.deepEqual(repo.git('diff', '--name-only', old, 'HEAD').trim(), '');
  assert.equal(repo.log('-1')[0]?.subject, 'gdnctl: revert iteration 002');
});

test('revertRange refuses to fold staged operator work into the revert commit', async (t) => {
  const { repo, git } = await setup();
  t.after(() => repo.dispose());
  const old = repo.head();
  const last = repo.commit('agent', { 'c.txt': 'c\n' });
  repo.write({ 'b.txt': 'staged by operator\n' });
  repo.git('add', 'b.txt');
  await assert.rejects(git.revertRange(old, last, 'revert'), /staged changes/);
  assert.equal(repo.head(), last);
});

test("loop-owned commits skip the operator's hooks; paths with glob characters are literal", async (t) => {
  const { repo, git } = await setup({ 'a.txt': 'one\n', '[x].txt': 'lit\n', 'x.txt': 'plain\n' });
  t.after(() => repo.dispose());
  const hook = join(repo.dir, '.git', 'hooks', 'pre-commit');
  writeFileSync(hook, '#!/bin/sh\nexit 1\n');
  chmodSync(hook, 0o755);
  repo.write({ '[x].txt': 'changed\n', 'x.txt': 'changed too\n' });
  const sha = await git.commitPaths(['[x].txt'], 'stamp');
  assert.deepEqual(await git.changedPaths(`${sha}~1`, sha), ['[x].txt']);
  assert.deepEqual(repo.status(), [' M x.txt']);
});

test("the operator's identity and transport variables reach git; repository-redirecting ones do not", async (t) => {
  const { repo } = await setup();
  t.after(() => repo.dispose());
  const env = {
    ...repo.env,
    GIT_DIR: '/nonexistent/.git',
    GIT_INDEX_FILE: '/nonexistent/index',
    GIT_AUTHOR_NAME: 'Ambient Author',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    EDITOR: 'false',
  };
  const git = new SimpleGitRepo(repo.dir, { env });
  assert.equal(await git.head(), repo.head());
  repo.write({ 'log.md': 'x\n' });
  await git.commitPaths(['log.md'], 'stamp');
  assert.equal(repo.git('log', '-1', '--format=%an').trim(), 'Ambient Author');
});

test('a fetch that hangs silently is stopped after networkIdleTimeoutMs', async (t) => {
  const { repo } = await setup();
  t.after(() => repo.dispose());
  repo.git('remote', 'add', 'slow', 'ssh://gdnctl-test.invalid/repo.git');
  // The "ssh" connects to nothing and says nothing, like a host that went silent.
  const env = { ...repo.env, GIT_SSH_COMMAND: "sh -c 'sleep 2' --" };
  const git = new SimpleGitRepo(repo.dir, { env, networkIdleTimeoutMs: 300 });
  const t0 = Date.now();
  await assert.rejects(git.fetch('slow', 'main'), (e: unknown) => e instanceof GitCommandError && /no output for 300 ms/.test(e.message));
  assert.ok(Date.now() - t0 < 1800, `took ${Date.now() - t0} ms`);
});

test('a fetch that fails fast is a GitCommandError, not a hang on a credential prompt', async (t) => {
  const { repo } = await setup();
  t.after(() => repo.dispose());
  const git = new SimpleGitRepo(repo.dir, { env: repo.env });
  await assert.rejects(git.fetch('nonexistent-remote', 'main'), GitCommandError);
});

test('a failed iteration is reverted together with its stamp commit; the agent range alone would conflict', async (t) => {
  const { repo, git } = await setup({ 'log.md': '# log\n', 'a.txt': 'one\n' });
  t.after(() => repo.dispose());
  const old = repo.head();
  const agent = repo.commit('agent', { 'a.txt': 'faster\n', 'log.md': '# log\n\n### Iteration 1\n- Commit: this commit\n' });
  repo.write({ 'log.md': `# log\n\n### Iteration 1\n- Commit: ${agent}\n` });
  const stamp = await git.commitPaths(['log.md'], 'gdnctl: stamp iteration 001');
  // Reverting only the agent's commit would have to undo lines the stamp changed since.
  assert.deepEqual(await git.revertRange(old, agent, 'revert agent only'), { kind: 'conflict', paths: ['log.md'] });
  assert.deepEqual(repo.status(), []);
  assert.equal(repo.head(), stamp);
  const r = await git.revertRange(old, stamp, 'gdnctl: revert iteration 001 (post-check-failed)');
  assert.equal(r.kind, 'reverted');
  assert.equal(repo.read('log.md'), '# log\n');
  assert.deepEqual(repo.log().map((l) => l.subject), ['gdnctl: revert iteration 001 (post-check-failed)', 'gdnctl: stamp iteration 001', 'agent', 'initial']);
});

test('commitSubject names a commit: from the range commitsBetween listed, else from git', async (t) => {
  const { repo, git } = await setup({ 'a.txt': 'one\n' });
  t.after(() => repo.dispose());
  const start = await git.head();
  repo.write({ 'a.txt': 'two\n' });
  const sha = await git.commitPaths(['a.txt'], 'second: a subject');
  assert.equal(await git.commitSubject(start), 'initial');
  assert.deepEqual((await git.commitsBetween(start, sha)).map((c) => c.subject), ['second: a subject']);
  assert.equal(await git.commitSubject(sha), 'second: a subject');
  assert.equal(await git.commitSubject('0'.repeat(40)), undefined);
});
