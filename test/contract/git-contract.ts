/**
 * Behavioural contract of the `Git` port. `runGitContract` registers the same node:test cases against any
 * implementation: SimpleGitRepo on real temp repos (test/integration/simple-git-repo.test.ts) and FakeGit
 * (test/unit/fake-git.test.ts). A harness gives the tests hands outside the port: what the operator or the
 * agent does to the repository between the loop's calls.
 *
 * Conflicts are always same-line edits: the fake merges per file, git per hunk, and the contract only
 * asserts where both must agree.
 */
import assert from 'node:assert/strict';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import type { Git } from '../../src/ports/git.js';

export type FileTree = Record<string, string>;

export interface GitHarness {
  git: Git;
  /** Operator/agent edits in the worktree (no staging). */
  write(files: FileTree): Promise<void>;
  remove(path: string): Promise<void>;
  read(path: string): Promise<string | undefined>;
  /** Stage everything and commit (what the agent does); returns the SHA. */
  commitAll(message: string, files?: FileTree): Promise<string>;
  /** Stage one path (`git add`). */
  stage(path: string): Promise<void>;
  /** `git mv from to` (staged rename). */
  move(from: string, to: string): Promise<void>;
  /** The agent runs `git stash push -u -m <message>` itself. */
  agentStash(message: string): Promise<void>;
  /** The agent runs `git stash drop` (drops stash@{0}). */
  agentStashDrop(): Promise<void>;
  /** The agent runs `git switch <name>` (`-c` when the branch does not exist). */
  agentSwitch(name: string): Promise<void>;
  /** The agent runs `git checkout --detach`. */
  agentDetach(): Promise<void>;
  /** The agent runs `git update-ref <ref> <sha>` (`-d` for undefined). */
  agentSetRef(ref: string, sha: string | undefined): Promise<void>;
  agentStashClear(): Promise<void>;
  agentStashPop(): Promise<void>;
  /**
   * The agent leaves `op` half done on a same-line conflict in a.txt: it first commits 'mine\n' to a.txt on the
   * branch (returned: where the abort comes back to), then merges, rebases onto or cherry-picks a side commit.
   */
  agentLeaves(op: 'merge' | 'rebase' | 'cherry-pick'): Promise<string>;
  /** What a killed `git add` leaves: `.git/index.lock`. */
  agentLocksIndex(): Promise<void>;
  /** The agent empties `.git/info/exclude`. */
  agentClearsExclude(): Promise<void>;
  /** `git show <rev>:<path>`, or undefined when the path is not in that commit. */
  show(rev: string, path: string): Promise<string | undefined>;
  /** Subjects of HEAD's history, newest first. */
  subjects(): Promise<string[]>;
  /** A commit on origin/main made by someone else (requires remote: true). */
  pushUpstream(message: string, files: FileTree): Promise<string>;
  dispose(): Promise<void>;
}

export type HarnessFactory = (files: FileTree, opts?: { remote?: boolean }) => Promise<GitHarness>;

const BASE: FileTree = { 'a.txt': 'line one\n', 'b.txt': 'bee\n', 'dir/c.py': 'print(1)\n' };

export function runGitContract(name: string, make: HarnessFactory): void {
  test(`${name}: implements the optional members the loop relies on`, () =>
    withHarness(async ({ git }) => {
      assert.equal(typeof git.stashTrial, 'function');
      assert.equal(typeof git.abortInterruptedOperation, 'function');
      assert.equal(await git.abortInterruptedOperation(), undefined);
    }));

  async function withHarness(fn: (h: GitHarness) => Promise<void>, opts?: { remote?: boolean }): Promise<void> {
    const h = await make(BASE, opts);
    try {
      await fn(h);
    } finally {
      await h.dispose();
    }
  }

  test(`${name}: gitDir is the repository's own .git folder, absolute`, () =>
    withHarness(async ({ git }) => {
      const dir = await git.gitDir();
      assert.ok(isAbsolute(dir), dir);
      assert.equal(dir, join(git.root, '.git'));
    }));

  test(`${name}: head, branch, hasCommits, clean status`, () =>
    withHarness(async ({ git }) => {
      assert.match(await git.head(), /^[0-9a-f]{40}$/);
      assert.equal(await git.branch(), 'main');
      assert.equal(await git.hasCommits(), true);
      assert.deepEqual(await git.status(), []);
    }));

  test(`${name}: status lists modified, untracked (with spaces) and staged renames`, () =>
    withHarness(async (h) => {
      await h.write({ 'a.txt': 'changed\n', 'new file with spaces.txt': 'n\n', 'naïve "quoted".txt': 'q\n' });
      await h.move('b.txt', 'renamed b.txt');
      const st = await h.git.status();
      const byPath = new Map(st.map((e) => [e.path, e]));
      assert.equal(byPath.get('a.txt')?.code, ' M');
      assert.equal(byPath.get('new file with spaces.txt')?.code, '??');
      const renamed = byPath.get('renamed b.txt');
      assert.equal(renamed?.code, 'R ');
      assert.equal(renamed?.origPath, 'b.txt');
      assert.equal(byPath.get('naïve "quoted".txt')?.code, '??');
      assert.equal(st.length, 4);
    }));

  test(`${name}: stashPush returns the stash commit SHA; nothing to stash gives undefined`, () =>
    withHarness(async (h) => {
      assert.equal(await h.git.stashPush('empty'), undefined);
      await h.write({ 'a.txt': 'operator wip\n', 'untracked.txt': 'u\n' });
      const sha = await h.git.stashPush('gdnctl-operator-iter-001');
      assert.match(sha ?? '', /^[0-9a-f]{40}$/);
      assert.deepEqual(await h.git.status(), []);
      assert.equal(await h.read('untracked.txt'), undefined);
      assert.deepEqual(await h.git.stashList(), [{ sha, message: 'gdnctl-operator-iter-001' }]);
    }));

  test(`${name}: a stash restored by SHA survives the agent stashing too; only our entry is dropped`, () =>
    withHarness(async (h) => {
      await h.write({ 'a.txt': 'operator wip\n', 'op-notes.txt': 'mine\n' });
      const ours = await h.git.stashPush('operator');
      assert.ok(ours);
      // The agent works, stashes something of its own (our entry moves to stash@{1}), and commits.
      await h.write({ 'scratch.txt': 'agent scratch\n' });
      await h.agentStash('agent stash');
      await h.commitAll('agent change', { 'b.txt': 'bee changed\n' });
      assert.equal(await h.git.stashCanApply(ours), true);
      assert.deepEqual(await h.git.stashApplyAndDrop(ours), { applied: true, dropped: true });
      assert.equal(await h.read('a.txt'), 'operator wip\n');
      assert.equal(await h.read('op-notes.txt'), 'mine\n');
      const left = await h.git.stashList();
      assert.deepEqual(left.map((s) => s.message), ['agent stash']);
      assert.notEqual(left[0]?.sha, ours);
    }));

  test(`${name}: trial restore detects a tracked conflict without touching the worktree`, () =>
    withHarness(async (h) => {
      await h.write({ 'a.txt': 'operator version\n' });
      const ours = await h.git.stashPush('operator');
      assert.ok(ours);
      await h.commitAll('agent edits the same line', { 'a.txt': 'agent version\n' });
      const head = await h.git.head();
      assert.equal(await h.git.stashCanApply(ours), false);
      assert.deepEqual(await h.git.stashTrial(ours), { ok: false, reason: 'conflict', paths: ['a.txt'] });
      assert.deepEqual(await h.git.status(), []);
      assert.equal(await h.read('a.txt'), 'agent version\n');
      assert.equal(await h.git.head(), head);
      assert.deepEqual((await h.git.stashList()).map((s) => s.sha), [ours]);
    }));

  test(`${name}: trial restore detects an untracked file that now exists in HEAD or on disk`, () =>
    withHarness(async (h) => {
      await h.write({ 'notes.txt': 'operator notes\n' });
      const ours = await h.git.stashPush('operator');
      assert.ok(ours);
      assert.equal(await h.git.stashCanApply(ours), true);
      assert.deepEqual(await h.git.stashTrial(ours), { ok: true });
      await h.write({ 'notes.txt': 'agent leftover\n' });
      assert.equal(await h.git.stashCanApply(ours), false, 'untracked file on disk');
      assert.deepEqual(await h.git.stashTrial(ours), { ok: false, reason: 'untracked-exists', paths: ['notes.txt'] });
      await h.commitAll('agent commits notes.txt');
      assert.equal(await h.git.stashCanApply(ours), false, 'path now tracked in HEAD');
      assert.equal(await h.read('notes.txt'), 'agent leftover\n');
    }));

  test(`${name}: trial restore refuses when a file the stash changes has local edits`, () =>
    withHarness(async (h) => {
      await h.write({ 'a.txt': 'operator\n' });
      const ours = await h.git.stashPush('operator');
      assert.ok(ours);
      await h.write({ 'a.txt': 'leftover edit\n' });
      assert.equal(await h.git.stashCanApply(ours), false);
      assert.deepEqual(await h.git.stashTrial(ours), { ok: false, reason: 'local-changes', paths: ['a.txt'] });
      await h.write({ 'a.txt': 'line one\n' });
      assert.equal(await h.git.stashCanApply(ours), true);
    }));

  test(`${name}: a conflicting stash is kept by stashApplyAndDrop and the tree is left clean`, () =>
    withHarness(async (h) => {
      await h.write({ 'a.txt': 'operator version\n' });
      const ours = await h.git.stashPush('operator');
      assert.ok(ours);
      await h.commitAll('agent edits the same line', { 'a.txt': 'agent version\n' });
      assert.deepEqual(await h.git.stashApplyAndDrop(ours), { applied: false, dropped: false });
      assert.deepEqual(await h.git.status(), []);
      assert.deepEqual((await h.git.stashList()).map((s) => s.sha), [ours]);
    }));

  test(`${name}: an apply that fails on an untracked path now tracked leaves a clean tree and keeps the stash`, () =>
    withHarness(async (h) => {
      await h.write({ 'a.txt': 'operator\n', 'notes.txt': 'operator notes\n' });
      const ours = await h.git.stashPush('operator');
      assert.ok(ours);
      await h.commitAll('agent adds notes.txt', { 'notes.txt': 'agent notes\n' });
      assert.deepEqual(await h.git.stashApplyAndDrop(ours), { applied: false, dropped: false });
      assert.deepEqual(await h.git.status(), []);
      assert.equal(await h.read('a.txt'), 'line one\n');
      assert.equal(await h.read('notes.txt'), 'agent notes\n');
      assert.deepEqual((await h.git.stashList()).map((s) => s.sha), [ours]);
    }));

  test(`${name}: a stash dropped by someone else still applies by SHA and reports dropped=false`, () =>
    withHarness(async (h) => {
      await h.write({ 'a.txt': 'operator wip\n' });
      const ours = await h.git.stashPush('operator');
      assert.ok(ours);
      await h.agentStashDrop();
      assert.deepEqual(await h.git.stashList(), []);
      assert.deepEqual(await h.git.stashApplyAndDrop(ours), { applied: true, dropped: false });
      assert.equal(await h.read('a.txt'), 'operator wip\n');
    }));

  test(`${name}: unknown or malformed stash SHAs fail closed`, () =>
    withHarness(async (h) => {
      const head = await h.git.head();
      assert.equal(await h.git.stashCanApply('0000000000000000000000000000000000000000'), false);
      assert.equal(await h.git.stashCanApply('not a sha'), false);
      assert.equal(await h.git.stashCanApply(head), false, 'an ordinary commit is not a stash');
      assert.deepEqual(await h.git.stashTrial(head), { ok: false, reason: 'not-a-stash', paths: [] });
      assert.deepEqual(await h.git.stashApplyAndDrop('--help'), { applied: false, dropped: false });
      assert.deepEqual(await h.git.status(), []);
    }));

  test(`${name}: leftovers stash keeps its message and is listed by SHA`, () =>
    withHarness(async (h) => {
      await h.commitAll('agent commit', { 'b.txt': 'x\n' });
      await h.write({ 'leftover.txt': 'half-done\n' });
      const sha = await h.git.stashPush('gdnctl-leftover-iter-007');
      assert.ok(sha);
      const list = await h.git.stashList();
      assert.deepEqual(list, [{ sha, message: 'gdnctl-leftover-iter-007' }]);
    }));

  test(`${name}: commitsBetween (oldest first), changedPaths, isAncestor, commitExists`, () =>
    withHarness(async (h) => {
      const old = await h.git.head();
      const c1 = await h.commitAll('first', { 'x.txt': '1\n' });
      const c2 = await h.commitAll('second', { 'dir/c.py': 'print(2)\n' });
      const commits = await h.git.commitsBetween(old, c2);
      assert.deepEqual(commits.map((c) => [c.sha, c.subject, c.parents]), [
        [c1, 'first', [old]],
        [c2, 'second', [c1]],
      ]);
      assert.deepEqual((await h.git.changedPaths(old, c2)).sort(), ['dir/c.py', 'x.txt']);
      assert.equal(await h.git.isAncestor(old, c2), true);
      assert.equal(await h.git.isAncestor(c2, old), false);
      assert.equal(await h.git.commitExists(c1), true);
      assert.equal(await h.git.commitExists('1234567890abcdef1234567890abcdef12345678'), false);
    }));

  test(`${name}: revertRange makes one revert commit for the range and keeps history`, () =>
    withHarness(async (h) => {
      const old = await h.git.head();
      await h.commitAll('agent 1', { 'a.txt': 'agent one\n', 'x.txt': 'new\n' });
      const last = await h.commitAll('agent 2', { 'b.txt': 'agent two\n' });
      const r = await h.git.revertRange(old, last, 'gdnctl: revert iteration 001');
      assert.equal(r.kind, 'reverted');
      assert.deepEqual((await h.subjects()).slice(0, 4), ['gdnctl: revert iteration 001', 'agent 2', 'agent 1', 'initial']);
      assert.equal(await h.read('a.txt'), 'line one\n');
      assert.equal(await h.read('b.txt'), 'bee\n');
      assert.equal(await h.read('x.txt'), undefined);
      assert.deepEqual(await h.git.status(), []);
      assert.equal(await h.git.isAncestor(last, await h.git.head()), true);
    }));

  test(`${name}: revertRange reports conflicting paths and leaves HEAD and tree as they were`, () =>
    withHarness(async (h) => {
      const old = await h.git.head();
      const last = await h.commitAll('agent', { 'a.txt': 'agent\n' });
      await h.commitAll('later work on the same line', { 'a.txt': 'later\n' });
      const head = await h.git.head();
      const r = await h.git.revertRange(old, last, 'revert');
      assert.deepEqual(r, { kind: 'conflict', paths: ['a.txt'] });
      assert.equal(await h.git.head(), head);
      assert.deepEqual(await h.git.status(), []);
      assert.equal(await h.read('a.txt'), 'later\n');
    }));

  test(`${name}: commitPaths commits exactly the named paths`, () =>
    withHarness(async (h) => {
      const before = await h.git.head();
      await h.write({ 'log.md': 'stamped\n', 'a.txt': 'unrelated edit\n' });
      await h.stage('a.txt');
      const sha = await h.git.commitPaths(['log.md'], 'gdnctl: stamp iteration 001');
      assert.equal(await h.git.head(), sha);
      assert.deepEqual((await h.git.commitsBetween(before, sha)).map((c) => c.subject), ['gdnctl: stamp iteration 001']);
      assert.deepEqual(await h.git.changedPaths(before, sha), ['log.md']);
      // The staged edit stays staged and out of the commit.
      assert.deepEqual((await h.git.status()).map((e) => [e.code, e.path]), [['M ', 'a.txt']]);
    }));

  test(`${name}: commitPaths commits a path git did not track yet, and one deleted from the tree`, () =>
    withHarness(async (h) => {
      const before = await h.git.head();
      await h.write({ 'new-log.md': 'first entry\n' });
      const added = await h.git.commitPaths(['new-log.md'], 'gdnctl: record failed iteration 001');
      assert.equal(await h.git.head(), added);
      assert.equal(await h.show(added, 'new-log.md'), 'first entry\n');
      await h.remove('new-log.md');
      const removed = await h.git.commitPaths(['new-log.md'], 'gdnctl: stamp iteration 002');
      assert.equal(await h.git.head(), removed);
      assert.equal(await h.show(removed, 'new-log.md'), undefined);
      assert.deepEqual((await h.git.commitsBetween(before, removed)).map((c) => c.subject), ['gdnctl: record failed iteration 001', 'gdnctl: stamp iteration 002']);
      assert.deepEqual(await h.git.status(), []);
    }));

  test(`${name}: fetch + merge brings upstream commits; a conflicting merge is aborted cleanly`, () =>
    withHarness(
      async (h) => {
        const up = await h.pushUpstream('upstream adds file', { 'up.txt': 'from upstream\n' });
        await h.git.fetch('origin', 'main');
        const m = await h.git.merge('origin/main');
        assert.equal(m.kind, 'merged');
        assert.equal(await h.git.isAncestor(up, await h.git.head()), true);
        assert.equal(await h.read('up.txt'), 'from upstream\n');
        assert.deepEqual(await h.git.merge('origin/main'), { kind: 'up-to-date' });

        await h.pushUpstream('upstream edits a', { 'a.txt': 'upstream a\n' });
        await h.commitAll('local edits a', { 'a.txt': 'local a\n' });
        const head = await h.git.head();
        await h.git.fetch('origin', 'main');
        assert.deepEqual(await h.git.merge('origin/main'), { kind: 'conflict', paths: ['a.txt'] });
        assert.equal(await h.git.head(), head);
        assert.deepEqual(await h.git.status(), []);
        assert.equal(await h.read('a.txt'), 'local a\n');
      },
      { remote: true },
    ));

  test(`${name}: ensureExcluded hides a folder from status, once`, () =>
    withHarness(async (h) => {
      await h.write({ '.agents/logs/run.json': '{}' });
      assert.equal((await h.git.status()).length, 1);
      await h.git.ensureExcluded('.agents/logs/');
      await h.git.ensureExcluded('.agents/logs/');
      assert.deepEqual(await h.git.status(), []);
    }));

  test(`${name}: stashPush leaves excluded files (the run directory) in place`, () =>
    withHarness(async (h) => {
      await h.git.ensureExcluded('.agents/logs/');
      await h.write({ '.agents/logs/runs/r1/state.json': '{"iteration":1}', 'a.txt': 'operator\n' });
      const sha = await h.git.stashPush('operator');
      assert.ok(sha);
      assert.equal(await h.read('.agents/logs/runs/r1/state.json'), '{"iteration":1}');
      assert.equal(await h.read('a.txt'), 'line one\n');
      assert.deepEqual(await h.git.stashApplyAndDrop(sha), { applied: true, dropped: true });
      assert.equal(await h.read('a.txt'), 'operator\n');
    }));

  test(`${name}: snapshot gives HEAD, its branch and the status from one call; detached HEAD has no branch`, () =>
    withHarness(async (h) => {
      await h.write({ 'a.txt': 'changed\n', 'new.txt': 'n\n' });
      const snap = await h.git.snapshot();
      assert.deepEqual(snap, { head: await h.git.head(), branch: 'main', entries: await h.git.status() });
      await h.agentSwitch('other');
      assert.equal((await h.git.snapshot()).branch, 'other');
      await h.agentDetach();
      const detached = await h.git.snapshot();
      assert.equal(detached.branch, undefined);
      assert.equal(detached.head, await h.git.head());
    }));

  test(`${name}: readGitDir lists branches, tags, gdnctl refs and the stash list without asking git`, () =>
    withHarness(async (h) => {
      const head = await h.git.head();
      await h.agentSetRef('refs/tags/v1', head);
      await h.agentSetRef('refs/gdnctl/stash/x', head);
      await h.write({ 'a.txt': 'wip\n' });
      const sha = await h.git.stashPush('operator work');
      const st = await h.git.readGitDir();
      assert.equal(st.headRef, 'refs/heads/main');
      assert.deepEqual(st.refs, { 'refs/heads/main': head, 'refs/tags/v1': head, 'refs/gdnctl/stash/x': head });
      assert.deepEqual(st.stashes, [{ sha, subject: 'On main: operator work' }]);
      assert.deepEqual([st.operation, st.indexLock], [undefined, false]);
      await h.agentDetach();
      await h.agentStashClear();
      const after = await h.git.readGitDir();
      assert.equal(after.headRef, undefined);
      assert.deepEqual(after.stashes, []);
    }));

  test(`${name}: a stash held under a ref survives \`git stash clear\` and stashStore puts it back in the list`, () =>
    withHarness(async (h) => {
      await h.write({ 'a.txt': 'operator wip\n' });
      const sha = await h.git.stashPush('gdnctl-operator-iter-001');
      assert.ok(sha);
      const [entry] = (await h.git.readGitDir()).stashes;
      await h.git.setRefs([{ ref: `refs/gdnctl/stash/${sha}`, sha }]);
      await h.agentStashClear();
      assert.deepEqual(await h.git.stashList(), []);
      await h.git.stashStore(sha, entry!.subject);
      assert.deepEqual(await h.git.stashList(), [{ sha, message: 'gdnctl-operator-iter-001' }]);
      assert.deepEqual(await h.git.stashApplyAndDrop(sha), { applied: true, dropped: true });
      assert.equal(await h.read('a.txt'), 'operator wip\n');
      await h.git.setRefs([{ ref: `refs/gdnctl/stash/${sha}`, sha: undefined }]);
      assert.deepEqual((await h.git.readGitDir()).refs, { 'refs/heads/main': await h.git.head() });
    }));

  test(`${name}: checkoutBranchAt brings HEAD back to the branch at a commit, carrying local edits; a conflict changes nothing`, () =>
    withHarness(async (h) => {
      const start = await h.git.head();
      await h.agentDetach();
      const elsewhere = await h.commitAll('detached work', { 'x.txt': 'x\n' });
      await h.write({ 'b.txt': 'local edit\n', 'untracked.txt': 'u\n' });
      await h.git.checkoutBranchAt('main', start);
      const snap = await h.git.snapshot();
      assert.deepEqual([snap.head, snap.branch], [start, 'main']);
      assert.equal(await h.read('x.txt'), undefined);
      assert.equal(await h.read('b.txt'), 'local edit\n');
      assert.equal(await h.read('untracked.txt'), 'u\n');
      assert.equal(await h.git.commitExists(elsewhere), true);
      await h.git.checkoutBranchAt('main', elsewhere);
      await h.write({ 'x.txt': 'in the way\n' });
      await assert.rejects(h.git.checkoutBranchAt('main', start));
      assert.equal(await h.git.head(), elsewhere);
      assert.equal(await h.read('x.txt'), 'in the way\n');
    }));

  for (const op of ['merge', 'rebase', 'cherry-pick'] as const) {
    test(`${name}: a half-done ${op} is seen in the git dir, saved under a ref with its conflict, then aborted`, () =>
      withHarness(async (h) => {
        await h.git.ensureExcluded('.agents/logs/');
        await h.write({ '.agents/logs/state.json': '{}' });
        const mine = await h.agentLeaves(op);
        assert.equal((await h.git.readGitDir()).operation, op);
        const ref = 'refs/gdnctl/aborted/iter-001';
        const saved = await h.git.abortOperation(op, ref, `gdnctl: the agent left a ${op} (iteration 001)`);
        const st = await h.git.readGitDir();
        assert.equal(st.refs[ref], saved);
        assert.equal(st.operation, undefined);
        assert.match((await h.show(ref, 'a.txt')) ?? '', /^<<<<<<< /m, 'the conflict as the agent left it');
        assert.equal(await h.show(ref, '.agents/logs/state.json'), undefined, 'the run directory stays out');
        const snap = await h.git.snapshot();
        assert.deepEqual([snap.head, snap.branch, snap.entries], [mine, 'main', []]);
        assert.equal(await h.read('a.txt'), 'mine\n');
        assert.equal(await h.read('.agents/logs/state.json'), '{}');
      }));
  }

  test(`${name}: a stale index.lock is seen and removed once`, () =>
    withHarness(async (h) => {
      await h.agentLocksIndex();
      assert.equal((await h.git.readGitDir()).indexLock, true);
      assert.equal(await h.git.removeStaleIndexLock(), true);
      assert.equal((await h.git.readGitDir()).indexLock, false);
      assert.equal(await h.git.removeStaleIndexLock(), false);
      await h.commitAll('git works again', { 'b.txt': 'b2\n' });
    }));

  test(`${name}: stashWorkIn names the stashed files an agent popped and committed`, () =>
    withHarness(async (h) => {
      await h.write({ 'a.txt': 'operator wip\n', 'notes.txt': 'operator notes\n' });
      const sha = await h.git.stashPush('operator');
      assert.ok(sha);
      const from = await h.git.head();
      const unrelated = await h.commitAll('agent change', { 'b.txt': 'agent\n' });
      assert.deepEqual(await h.git.stashWorkIn(sha, from, unrelated), []);
      await h.agentStashPop();
      const folded = await h.commitAll('agent commits everything');
      assert.deepEqual(await h.git.stashWorkIn(sha, from, folded), ['a.txt', 'notes.txt']);
      assert.deepEqual(await h.git.stashWorkIn(sha, folded, folded), []);
    }));

  test(`${name}: untrackDir takes a folder out of the index in a commit and leaves the files on disk`, () =>
    withHarness(async (h) => {
      assert.equal(await h.git.untrackDir('logs', 'gdnctl: untrack'), undefined);
      const before = await h.commitAll('agent commits the run directory', { 'logs/state.json': '{"a":1}', 'logs/iter/x.md': 'x' });
      const sha = await h.git.untrackDir('logs', 'gdnctl: untrack');
      assert.equal(await h.git.head(), sha);
      assert.deepEqual((await h.git.changedPaths(before, sha!)).sort(), ['logs/iter/x.md', 'logs/state.json']);
      assert.equal(await h.read('logs/state.json'), '{"a":1}');
      assert.deepEqual((await h.git.status()).map((e) => [e.code, e.path]), [['??', 'logs/']]);
    }));

  test(`${name}: an excluded folder stays excluded when the agent empties info/exclude`, () =>
    withHarness(async (h) => {
      await h.git.ensureExcluded('.agents/logs/');
      await h.agentClearsExclude();
      await h.write({ '.agents/logs/runs/r1/state.json': '{}', 'a.txt': 'leftover\n' });
      assert.deepEqual((await h.git.status()).map((e) => e.path), ['a.txt']);
      await h.agentClearsExclude();
      assert.ok(await h.git.stashPush('gdnctl-leftover-iter-001'));
      assert.equal(await h.read('.agents/logs/runs/r1/state.json'), '{}');
      await h.agentClearsExclude();
      assert.deepEqual((await h.git.snapshot()).entries, []);
    }));
}
