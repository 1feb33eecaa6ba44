import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { excludePatternFor, openLoopRepository } from '../../src/adapters/git/repo-preflight.js';
import { UsageError } from '../../src/errors.js';
import { TempRepo } from '../helpers/temp-repo.js';

async function usageLines(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UsageError) return e.lines;
    throw e;
  }
  assert.fail('expected a UsageError');
}

test('a good repository opens at its top level, also from a subfolder', async (t) => {
  const repo = await TempRepo.create({ files: { 'sub/x.txt': 'x' } });
  t.after(() => repo.dispose());
  const git = await openLoopRepository(join(repo.dir, 'sub'), { env: repo.env });
  assert.equal(git.root, repo.dir);
  assert.equal(await git.branch(), 'main');
});

test('not a directory / not a repository → one line each, saying how to fix it', async (t) => {
  const repo = await TempRepo.create({});
  t.after(() => repo.dispose());
  const [missing] = await usageLines(openLoopRepository(join(repo.dir, 'nope'), { env: repo.env }));
  assert.match(missing ?? '', /is not a directory; pass the working copy/);
  const plain = repo.scratch('plain');
  mkdirSync(plain);
  const [notRepo] = await usageLines(openLoopRepository(plain, { env: { ...repo.env, GIT_CEILING_DIRECTORIES: repo.scratch('') } }));
  assert.match(notRepo ?? '', /not inside a git working tree; run `git init`/);
});

test('no commits, and a detached HEAD, are refused', async (t) => {
  const repo = await TempRepo.create({});
  t.after(() => repo.dispose());
  const empty = repo.scratch('empty');
  repo.git('init', '-q', '-b', 'main', empty);
  assert.match((await usageLines(openLoopRepository(empty, { env: repo.env })))[0] ?? '', /has no commits yet/);
  repo.git('checkout', '-q', '--detach');
  assert.match((await usageLines(openLoopRepository(repo.dir, { env: repo.env })))[0] ?? '', /HEAD is detached .*git switch -c/);
});

test('a merge in progress is refused, unless resuming (the resumed run aborts it)', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  repo.git('checkout', '-q', '-b', 'topic');
  repo.commit('topic', { 'a.txt': 'topic\n' });
  repo.git('checkout', '-q', 'main');
  repo.commit('main', { 'a.txt': 'main\n' });
  assert.notEqual(repo.tryGit('merge', 'topic').status, 0);
  assert.match((await usageLines(openLoopRepository(repo.dir, { env: repo.env })))[0] ?? '', /a merge is in progress .*git merge --abort/);
  const git = await openLoopRepository(repo.dir, { env: repo.env, resuming: true });
  assert.equal(await git.abortInterruptedOperation(), 'merge');
  await openLoopRepository(repo.dir, { env: repo.env });
});

test('an escaped exclude pattern hides exactly that folder', async (t) => {
  const repo = await TempRepo.create({});
  t.after(() => repo.dispose());
  const git = await openLoopRepository(repo.dir, { env: repo.env });
  const pattern = excludePatternFor(repo.dir, 'logs [x]/run*');
  assert.ok(pattern);
  await git.ensureExcluded(pattern);
  repo.write({ 'logs [x]/run*/state.json': '{}', 'logs [x]/runA/state.json': '{}', 'sub/logs [x]/run*/s.json': '{}' });
  assert.deepEqual((await git.status()).map((e) => e.path).sort(), ['logs [x]/', 'sub/']);
  // (Without -z, git quotes paths with spaces.)
  assert.deepEqual(repo.status().sort(), ['?? "logs [x]/runA/state.json"', '?? "sub/logs [x]/run*/s.json"']);
});
