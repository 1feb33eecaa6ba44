/**
 * What only real git can show about the guard's adapter half: the git dir read from its files agrees with git's
 * own answers (packed refs, loose refs, a linked worktree, the stash reflog), the rarer half-done operations,
 * a live index.lock left alone, and a revert whose commit git refuses.
 */
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SimpleGitRepo } from '../../src/adapters/git/simple-git-repo.js';
import { TempRepo } from '../helpers/temp-repo.js';

async function setup(t: { after: (fn: () => void) => void }) {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n', 'b.txt': 'bee\n' } });
  t.after(() => repo.dispose());
  return { repo, git: new SimpleGitRepo(repo.dir, { env: repo.env, lockRetrySleepMs: 20 }) };
}

/** git's own view: for-each-ref over the refs the guard watches, and the stash list. */
function gitsView(repo: { git: (...a: string[]) => string }) {
  const refs = repo.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags', 'refs/gdnctl').trim();
  const stashes = repo.git('stash', 'list', '--format=%H%x00%gs').trim();
  return {
    refs: Object.fromEntries(refs ? refs.split('\n').map((l) => l.split(' ') as [string, string]) : []),
    stashes: stashes ? stashes.split('\n').map((l) => ({ sha: l.split('\0')[0], subject: l.split('\0')[1] })) : [],
  };
}

test('readGitDir agrees with for-each-ref and stash list over packed refs, loose refs that override them, and a linked worktree', async (t) => {
  const { repo, git } = await setup(t);
  repo.git('branch', 'feature');
  repo.git('tag', 'v1');
  repo.git('tag', '-a', '-m', 'annotated', 'v2');
  repo.write({ 'a.txt': 'wip 1\n' });
  repo.git('stash', 'push', '-q', '-m', 'first');
  repo.write({ 'new.txt': 'wip 2\n' });
  repo.git('stash', 'push', '-q', '-u', '-m', 'second');
  repo.git('pack-refs', '--all');
  repo.commit('after packing', { 'c.txt': 'c\n' });
  repo.git('update-ref', 'refs/gdnctl/stash/x', repo.head());
  const view = gitsView(repo);
  const st = await git.readGitDir();
  assert.deepEqual(st.refs, view.refs);
  assert.deepEqual(st.stashes, view.stashes);
  assert.equal(st.headRef, 'refs/heads/main');

  const wt = repo.scratch('linked');
  repo.git('worktree', 'add', '-q', '-b', 'side', wt);
  const linked = await new SimpleGitRepo(wt, { env: repo.env }).readGitDir();
  assert.equal(linked.headRef, 'refs/heads/side');
  assert.deepEqual(linked.refs, gitsView(repo).refs);
  assert.deepEqual(linked.stashes, view.stashes);
  repo.git('stash', 'drop', '-q', 'stash@{1}');
  assert.deepEqual((await git.readGitDir()).stashes, gitsView(repo).stashes);
});

test('git am, a conflicting revert and a bisect are seen and aborted; the saved ref keeps the tree', async (t) => {
  const { repo, git } = await setup(t);
  const start = repo.head();
  repo.commit('edit a', { 'a.txt': 'two\n' });
  const patch = repo.git('format-patch', '-1', '--stdout');
  repo.git('reset', '-q', '--hard', start);
  repo.commit('conflicting edit', { 'a.txt': 'three\n' });
  const mine = repo.head();
  writeFileSync(repo.scratch('p.patch'), patch);
  assert.notEqual(repo.tryGit('am', '-q', repo.scratch('p.patch')).status, 0);
  assert.equal((await git.readGitDir()).operation, 'am');
  await git.abortOperation('am', 'refs/gdnctl/aborted/am', 'saved');
  assert.deepEqual([(await git.readGitDir()).operation, repo.head(), repo.status()], [undefined, mine, []]);

  repo.commit('later', { 'a.txt': 'four\n' });
  assert.notEqual(repo.tryGit('revert', '--no-edit', mine).status, 0);
  assert.equal((await git.readGitDir()).operation, 'revert');
  await git.abortOperation('revert', 'refs/gdnctl/aborted/revert', 'saved');
  assert.match(repo.git('show', 'refs/gdnctl/aborted/revert:a.txt'), /^<<<<<<< /m);
  assert.deepEqual((await git.snapshot()).entries, []);

  const later = repo.head();
  repo.git('bisect', 'start', later, start);
  assert.equal((await git.readGitDir()).operation, 'bisect');
  await git.abortOperation('bisect', 'refs/gdnctl/aborted/bisect', 'saved');
  const snap = await git.snapshot();
  assert.deepEqual([snap.branch, snap.head, (await git.readGitDir()).operation], ['main', later, undefined]);
});

test('an index.lock that a live git keeps rewriting is left alone', async (t) => {
  const { repo, git } = await setup(t);
  const lock = join(repo.dir, '.git', 'index.lock');
  writeFileSync(lock, '');
  let n = 0;
  const busy = setInterval(() => {
    n += 1;
    if (n < 20) utimesSync(lock, new Date(), new Date(Date.now() + n * 1000));
  }, 100);
  t.after(() => clearInterval(busy));
  const started = Date.now();
  assert.equal(await git.removeStaleIndexLock(), true, 'removed once it stopped changing');
  assert.ok(Date.now() - started >= 1900, `waited while it was being rewritten (${Date.now() - started} ms)`);
});

test('snapshot: one status gives HEAD, the branch and entries with newlines, spaces and renames verbatim', async (t) => {
  const { repo, git } = await setup(t);
  repo.write({ 'new\nline.txt': 'n\n', 'with space.txt': 's\n' });
  repo.git('mv', 'b.txt', 'b renamed.txt');
  const snap = await git.snapshot();
  assert.deepEqual([snap.head, snap.branch], [repo.head(), 'main']);
  assert.deepEqual(snap.entries, [
    { code: 'R ', path: 'b renamed.txt', origPath: 'b.txt' },
    { code: '??', path: 'new\nline.txt' },
    { code: '??', path: 'with space.txt' },
  ]);
});

test('a revert whose commit git refuses (signing fails) is aborted: no REVERT_HEAD, nothing staged, HEAD unchanged', async (t) => {
  const { repo, git } = await setup(t);
  const start = repo.head();
  const last = repo.commit('agent', { 'a.txt': 'agent\n' });
  repo.git('config', 'commit.gpgsign', 'true');
  repo.git('config', 'gpg.program', '/bin/false');
  await assert.rejects(git.revertRange(start, last, 'gdnctl: revert iteration 001'), /gpg failed to sign/);
  assert.equal(repo.head(), last);
  assert.deepEqual(repo.status(), []);
  assert.equal((await git.readGitDir()).operation, undefined);
});
