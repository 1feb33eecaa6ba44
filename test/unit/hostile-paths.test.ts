/** Paths an agent can make awkward on purpose: newlines and other characters in names, as git reports them with -z. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePorcelainV2Z } from '../../src/adapters/git/porcelain-status.js';
import { globToRegExp, pathsOutsideScope, protectedPathHits } from '../../src/core/protected-paths.js';

test('protect globs match paths with newlines, carriage returns and line separators like any other character', () => {
  const sneaky = ['bench/evil\nname.py', 'bench/a\rb/c.py', 'bench/x\u2028y', 'bench\n/not-bench.py'];
  assert.deepEqual(protectedPathHits(sneaky, ['bench/**']).map((h) => h.path), sneaky.slice(0, 3));
  assert.deepEqual(protectedPathHits(sneaky, ['bench']).map((h) => h.path), sneaky.slice(0, 3));
  assert.equal(globToRegExp('bench/*.py').test('bench/evil\nname.py'), true);
  assert.equal(globToRegExp('bench/?').test('bench/\n'), true);
  assert.deepEqual(pathsOutsideScope(['src/a\nb.ts', 'docs/x\n'], ['src/**']), ['docs/x\n']);
});

test('parsePorcelainV2Z: HEAD and branch from the headers, entries as v1 codes, paths verbatim', () => {
  const sha = 'a'.repeat(40);
  const out = [
    `# branch.oid ${sha}`,
    '# branch.head main',
    '# branch.upstream origin/main',
    '# branch.ab +1 -0',
    `1 .M N... 100644 100644 100644 ${sha} ${sha} a file.txt`,
    `2 R. N... 100644 100644 100644 ${sha} ${sha} R100 new\nname`,
    'old name',
    `u UU N... 100644 100644 100644 100644 ${sha} ${sha} ${sha} conflict.txt`,
    '? untracked dir/',
    '! ignored.log',
    '',
  ].join('\0');
  assert.deepEqual(parsePorcelainV2Z(out), {
    head: sha,
    branch: 'main',
    entries: [
      { code: ' M', path: 'a file.txt' },
      { code: 'R ', path: 'new\nname', origPath: 'old name' },
      { code: 'UU', path: 'conflict.txt' },
      { code: '??', path: 'untracked dir/' },
    ],
  });
  assert.deepEqual(parsePorcelainV2Z('# branch.oid (initial)\0# branch.head (detached)\0'), { head: undefined, branch: undefined, entries: [] });
});
