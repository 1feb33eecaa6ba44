import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { candidateWorktrees } from '../../src/adapters/git/candidate-worktrees.js';

function commitIn(dir: string, env: NodeJS.ProcessEnv, file: string, content: string): string {
  writeFileSync(join(dir, file), content);
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  execFileSync('git', ['commit', '-qm', `change ${file}`], { cwd: dir, env });
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, env, encoding: 'utf8' }).trim();
}

test('candidate worktrees: created, reused with leftovers stashed by SHA and an earlier tip kept; promotion by fast-forward, cherry-pick or a conflict that changes nothing', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  const env = repo.env as NodeJS.ProcessEnv;
  const trees = candidateWorktrees({ repoRoot: repo.dir, root: repo.scratch('wt'), env });
  const base = repo.head();

  // Created on its branch at base; its commit comes over by fast-forward (the same commit).
  const c1 = await trees.open(1, 'gdnctl/run/r1-c1', base);
  const tip1 = commitIn(c1.dir, env, 'b.txt', 'b\n');
  assert.deepEqual(await trees.promote(base, tip1, 'm'), { kind: 'fast-forward', head: tip1 });
  assert.equal(repo.head(), tip1);
  // Promoting it again (a resume after a kill) changes nothing.
  assert.deepEqual(await trees.promote(base, tip1, 'm'), { kind: 'fast-forward', head: tip1 });

  // Reused: an uncommitted file is stashed by SHA, never dropped.
  writeFileSync(join(c1.dir, 'wip.txt'), 'wip\n');
  const again = await trees.open(1, 'gdnctl/run/r2-c1', tip1);
  assert.equal(again.dir, c1.dir);
  assert.ok(again.leftoverStash);
  assert.ok(repo.stashList().some((s) => s.sha === again.leftoverStash));
  // The same branch opened again at another commit: its earlier tip is kept under a ref first.
  const tip2 = commitIn(c1.dir, env, 'c.txt', 'c\n');
  const reset = await trees.open(1, 'gdnctl/run/r2-c1', tip1);
  assert.ok(reset.keptRef?.startsWith('refs/gdnctl/attempts/gdnctl/run/r2-c1/'));
  assert.equal(repo.git('rev-parse', reset.keptRef!).trim(), tip2);

  // The operator's branch moved on meanwhile: the range is cherry-picked.
  const tip3 = commitIn(c1.dir, env, 'd.txt', 'd\n');
  repo.commit('operator change', { 'e.txt': 'e\n' });
  const picked = await trees.promote(tip1, tip3, 'm');
  assert.equal(picked.kind, 'cherry-picked');
  assert.equal(readFileSync(join(repo.dir, 'd.txt'), 'utf8'), 'd\n');
  assert.notEqual(repo.head(), tip3);

  // A range that conflicts with the operator's branch: refused, the operator's tree as it was.
  const c2 = await trees.open(2, 'gdnctl/run/r3-c2', tip1);
  const tip4 = commitIn(c2.dir, env, 'a.txt', 'candidate\n');
  repo.commit('operator edits a', { 'a.txt': 'operator\n' });
  const head = repo.head();
  const r = await trees.promote(tip1, tip4, 'm');
  assert.deepEqual(r, { kind: 'conflict', paths: ['a.txt'] });
  assert.equal(repo.head(), head);
  assert.ok(repo.isClean());
});

test('candidate worktrees removed: a clean one simply, a dirty one after its work is stashed by SHA; branches stay', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n', '.gitignore': 'build/\n' } });
  t.after(() => repo.dispose());
  const env = repo.env as NodeJS.ProcessEnv;
  const trees = candidateWorktrees({ repoRoot: repo.dir, root: repo.scratch('wt'), env });
  const base = repo.head();
  const c1 = await trees.open(1, 'gdnctl/run/r1-c1', base);
  const c2 = await trees.open(2, 'gdnctl/run/r1-c2', base);
  commitIn(c1.dir, env, 'b.txt', 'b\n');
  writeFileSync(join(c2.dir, 'wip.txt'), 'wip\n');
  writeFileSync(join(c2.dir, 'a.txt'), 'edited\n');
  execFileSync('mkdir', ['-p', join(c2.dir, 'build')]);
  writeFileSync(join(c2.dir, 'build', 'out.o'), 'ignored\n');

  assert.deepEqual(await trees.remove!(1), { stash: undefined });
  const r2 = await trees.remove!(2);
  assert.ok(r2.stash, 'the uncommitted work is stashed');
  assert.ok(repo.stashList().some((s) => s.sha === r2.stash));
  assert.equal(execFileSync('git', ['show', `${r2.stash}:a.txt`], { cwd: repo.dir, env, encoding: 'utf8' }), 'edited\n');
  assert.equal(execFileSync('git', ['show', `${r2.stash}^3:wip.txt`], { cwd: repo.dir, env, encoding: 'utf8' }), 'wip\n');
  const list = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: repo.dir, env, encoding: 'utf8' });
  assert.equal(list.match(/^worktree /gm)?.length, 1, list);
  const branches = execFileSync('git', ['for-each-ref', '--format=%(refname:short)', 'refs/heads/gdnctl/'], { cwd: repo.dir, env, encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(branches.sort(), ['gdnctl/run/r1-c1', 'gdnctl/run/r1-c2']);
  // Gone already: nothing to do.
  assert.deepEqual(await trees.remove!(1), {});
  // Reopened after removal: created afresh.
  const back = await trees.open(1, 'gdnctl/run/r2-c1', base);
  assert.equal(back.dir, c1.dir);
  assert.equal(readFileSync(join(back.dir, 'a.txt'), 'utf8'), 'one\n');
});
