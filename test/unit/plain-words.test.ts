import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { plainWords, shellSyntaxProblem } from '../../src/cli/loop/preflight-checks.js';

const bashAccepts = (c: string): boolean => spawnSync('bash', ['-n', '-c', c]).status === 0;

test('a command preflight does not ask bash about is one bash parses', () => {
  const samples = [
    'true', 'npm test', 'gdnctl lint-log --scope all', 'make -j4 check', 'a=b ./run.sh', 'python3 -m pytest tests/unit', 'x,y @z %1 +q',
    'fi', 'then true', 'if', 'done', '{', '}', '!', '[[ x', 'echo "a', "echo 'a", 'a | b', 'a && b', 'a;', 'echo $(', 'a > b', '( a', 'case',
    'time', 'do x', 'esac', 'a\nfi', '', '   ', 'echo `x', 'a\\', 'x=(1', 'function f', 'select', 'in',
  ];
  for (const c of samples) {
    if (plainWords(c)) assert.ok(bashAccepts(c), `plainWords(${JSON.stringify(c)}) but bash -n rejects it`);
  }
  assert.ok(plainWords('true') && plainWords('npm test') && plainWords('gdnctl lint-log --scope all'));
  assert.ok(!plainWords('fi') && !plainWords('echo "a') && !plainWords('a | b') && !plainWords(''));
});

test('a word list with a reserved word is still refused with bash\'s message', async () => {
  const p = await shellSyntaxProblem('--post-check', 'then true', process.env);
  assert.match(p ?? '', /--post-check "then true" is not valid shell \(.*syntax error/);
  assert.equal(await shellSyntaxProblem('--post-check', 'npm test', process.env), undefined);
});
