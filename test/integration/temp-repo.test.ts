import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TempRepo } from '../helpers/temp-repo.js';

test('temp repo: initial commit on main from a file tree, clean env', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'x', 'dir/b.py': 'print(1)\n' } });
  t.after(() => repo.dispose());
  assert.equal(repo.git('symbolic-ref', '--short', 'HEAD').trim(), 'main');
  assert.equal(repo.read('dir/b.py'), 'print(1)\n');
  assert.equal(repo.log().length, 1);
  assert.ok(repo.isClean());
  assert.equal(repo.env.GIT_CONFIG_NOSYSTEM, '1');
  assert.ok(!Object.keys(repo.env).some((k) => k.startsWith('GIT_') && !['GIT_CONFIG_NOSYSTEM', 'GIT_TERMINAL_PROMPT'].includes(k)));
  repo.write({ 'c.txt': 'new' });
  assert.deepEqual(repo.status(), ['?? c.txt']);
  repo.git('stash', 'push', '-u', '-m', 'mine');
  assert.equal(repo.stashList()[0]?.subject, 'On main: mine');
});

test('temp repo: bare remote and an upstream clone that pushes', async (t) => {
  const repo = await TempRepo.create({ remote: true });
  t.after(() => repo.dispose());
  const sha = repo.pushUpstream('upstream change', { 'up.txt': 'u' });
  repo.git('fetch', '-q', 'origin', 'main');
  assert.equal(repo.git('rev-parse', 'origin/main').trim(), sha);
  assert.notEqual(repo.head(), sha);
  repo.dispose();
  assert.ok(!repo.exists('.'));
});
