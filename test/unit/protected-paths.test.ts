import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandWords, defaultProtectGlobs, globToRegExp, pathsOutsideScope, protectedPathHits } from '../../src/core/protected-paths.js';

function matches(glob: string, path: string): boolean {
  return globToRegExp(glob).test(path);
}

test('glob rules: ** spans segments (and dotfiles), * and ? stay within one', () => {
  const cases: Array<[string, string, boolean]> = [
    ['**/*.py', 'a/b/c.py', true],
    ['**/*.py', 'c.py', true],
    ['**/*.py', 'c.pyc', false],
    ['*.py', 'a/c.py', false],
    ['*.py', 'c.py', true],
    ['bench/**', 'bench/a/b.sh', true],
    ['**', '.github/workflows/ci.yml', true],
    ['tests/*', 'tests/.hidden', true],
    ['tests/*', 'tests/a/b', true], // tests/a is covered, so everything below it is
    ['?.txt', 'a.txt', true],
    ['?.txt', 'ab.txt', false],
    ['?.txt', '/.txt', false],
    ['bench', 'bench/run.sh', true],
    ['bench', 'benchmarks/run.sh', false],
    ['bench/', 'bench/run.sh', true],
    ['./bench', 'bench/run.sh', true],
    ['a**b', 'axxb', true],
    ['a**b', 'ax/xb', false],
    ['file[1].txt', 'file[1].txt', true],
    ['file[1].txt', 'file1.txt', false],
    ['a.b', 'axb', false],
    ['src/**/test_*.py', 'src/test_x.py', true],
    ['src/**/test_*.py', 'src/a/b/test_x.py', true],
  ];
  for (const [glob, path, want] of cases) assert.equal(matches(glob, path), want, `${glob} vs ${path}`);
});

test('gdnctl.yaml is always protected (at the root), and hits name their glob', () => {
  assert.deepEqual(protectedPathHits(['gdnctl.yaml', 'src/x.ts', 'sub/gdnctl.yaml'], []), [{ path: 'gdnctl.yaml', glob: 'gdnctl.yaml' }]);
  assert.deepEqual(protectedPathHits(['bench/run.sh', 'tests/test_a.py', 'src/a.py'], ['bench/**', 'tests', '']), [
    { path: 'bench/run.sh', glob: 'bench/**' },
    { path: 'tests/test_a.py', glob: 'tests' },
  ]);
  assert.deepEqual(protectedPathHits([], ['**']), []);
});

test('scope check lists paths outside every scope glob; no scope means no limit', () => {
  assert.deepEqual(pathsOutsideScope(['src/a.py', 'docs/x.md', 'README.md'], ['src/**', '*.md']), ['docs/x.md']);
  assert.deepEqual(pathsOutsideScope(['anything'], []), []);
});

test('default protection: script files named by bench/post-check commands protect their folder; root scripts only themselves', () => {
  const files = new Set(['bench/pair-sums.bench.mjs', 'tests/test_kernels.py', 'run-bench.sh', 'notes/log.md', 'lib/levanter/tests/test_gdn_layer.py']);
  const repoFile = (w: string) => {
    const rel = w.replace(/^\.\//, '');
    return files.has(rel) ? rel : undefined;
  };
  assert.deepEqual(commandWords(`PAIR_SUMS_BATCHES=3 node "bench/pair-sums.bench.mjs" --out='x y' && echo done`), ['PAIR_SUMS_BATCHES=3', '3', 'node', 'bench/pair-sums.bench.mjs', '--out=', '', 'x y', 'echo', 'done']);
  const globs = defaultProtectGlobs(
    ['PAIR_SUMS_BATCHES=3 node bench/pair-sums.bench.mjs', 'uv run pytest ./tests/test_kernels.py -q', './run-bench.sh', 'gdnctl lint-log --log-file notes/log.md', 'node --test test/'],
    ['lib/levanter/tests/test_gdn_layer.py'],
    repoFile,
    'notes/log.md',
  );
  assert.deepEqual(globs, ['bench', 'lib/levanter/tests/test_gdn_layer.py', 'run-bench.sh', 'tests']);
  // A helper next to the benchmark is covered; the code under optimization is not.
  assert.deepEqual(protectedPathHits(['bench/helpers.mjs', 'src/pair-sums.mjs', 'notes/log.md'], globs).map((h) => h.path), ['bench/helpers.mjs']);
});

test('default protection never covers the hill-climb log: a script in the log\'s folder (or above it) protects only itself', () => {
  const files = new Set(['notes/check-log.sh', 'notes/log.md', 'notes/deep/log.md', 'bench/run.sh']);
  const repoFile = (w: string) => (files.has(w) ? w : undefined);
  assert.deepEqual(defaultProtectGlobs(['bash notes/check-log.sh', 'bash bench/run.sh'], [], repoFile, 'notes/log.md'), ['bench', 'notes/check-log.sh']);
  assert.deepEqual(defaultProtectGlobs(['bash notes/check-log.sh'], [], repoFile, 'notes/deep/log.md'), ['notes/check-log.sh']);
  assert.deepEqual(defaultProtectGlobs(['bash notes/check-log.sh'], [], repoFile, 'other/log.md'), ['notes']);
  const globs = defaultProtectGlobs(['bash notes/check-log.sh'], [], repoFile, 'notes/log.md');
  assert.deepEqual(protectedPathHits(['notes/log.md', 'notes/check-log.sh'], globs).map((h) => h.path), ['notes/check-log.sh']);
});
