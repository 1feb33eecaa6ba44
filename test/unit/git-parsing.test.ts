import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gitEnvironment, isLockError } from '../../src/adapters/git/git-exec.js';
import { parsePorcelainZ, unmergedPaths } from '../../src/adapters/git/porcelain-status.js';

test('parsePorcelainZ walks rename/copy source fields and keeps paths verbatim', () => {
  const out = ' M a b.txt\0R  new name.txt\0old name.txt\0C  copy.txt\0orig.txt\0?? naïve "q".txt\0UU conflict.txt\0';
  const entries = parsePorcelainZ(out);
  assert.deepEqual(entries, [
    { code: ' M', path: 'a b.txt' },
    { code: 'R ', path: 'new name.txt', origPath: 'old name.txt' },
    { code: 'C ', path: 'copy.txt', origPath: 'orig.txt' },
    { code: '??', path: 'naïve "q".txt' },
    { code: 'UU', path: 'conflict.txt' },
  ]);
  assert.deepEqual(unmergedPaths(entries), ['conflict.txt']);
  assert.deepEqual(parsePorcelainZ(''), []);
});

test('isLockError recognises the lock messages git prints, and nothing else', () => {
  assert.ok(isLockError("fatal: Unable to create '/r/.git/index.lock': File exists.\n\nAnother git process seems to be running"));
  assert.ok(isLockError("error: Unable to create '/r/.git/refs/heads/main.lock': File exists."));
  assert.ok(!isLockError('error: Your local changes to the following files would be overwritten by merge'));
  assert.ok(!isLockError(''));
});

test('gitEnvironment keeps identity and transport, drops repository redirects and editors', () => {
  const env = gitEnvironment({
    HOME: '/h',
    GIT_DIR: '/elsewhere',
    GIT_WORK_TREE: '/elsewhere',
    GIT_INDEX_FILE: '/elsewhere/index',
    GIT_AUTHOR_NAME: 'Op',
    GIT_SSH_COMMAND: 'ssh -i key',
    EDITOR: 'vim',
    GIT_PAGER: 'less',
    UNSET: undefined,
  });
  assert.deepEqual(env, { HOME: '/h', GIT_AUTHOR_NAME: 'Op', GIT_SSH_COMMAND: 'ssh -i key', LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' });
  assert.equal(gitEnvironment({ GIT_TERMINAL_PROMPT: '1' }).GIT_TERMINAL_PROMPT, '1');
});
