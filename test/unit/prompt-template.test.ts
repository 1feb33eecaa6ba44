import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PLACEHOLDERS,
  PromptTemplateError,
  appendDirectives,
  listPlaceholders,
  renderPrompt,
} from '../../src/core/prompt-template.js';
import { packageRoot } from '../../src/package-root.js';

test('renders known placeholders; one without a value becomes "(none yet)"', () => {
  const out = renderPrompt('Iteration {{ITERATION}} / {{ TOTAL_ITERATIONS }}\nBoard: {{LEADERBOARD}}\nLast: {{LAST_REFLEXION}}', {
    ITERATION: 3,
    TOTAL_ITERATIONS: 10,
    LEADERBOARD: '',
  });
  assert.equal(out, 'Iteration 3 / 10\nBoard: (none yet)\nLast: (none yet)');
});

test('values are inserted literally: no second pass, no $-pattern expansion', () => {
  const out = renderPrompt('{{HOTSPOTS}} {{CHAMPION}}', { HOTSPOTS: '{{HEAD_SHA}} $& $1', CHAMPION: 'abc' });
  assert.equal(out, '{{HEAD_SHA}} $& $1 abc');
});

test('an unknown placeholder is a typed error naming it and its line; all unknowns are listed', () => {
  assert.throws(
    () => renderPrompt('ok {{ITERATION}}\n\nsee {{HEAD_SAH}} and {{Run_Id}}', {}, 'my-prompt.md'),
    (e: unknown) => {
      assert.ok(e instanceof PromptTemplateError);
      assert.deepEqual(e.unknown, [
        { name: 'HEAD_SAH', line: 3 },
        { name: 'Run_Id', line: 3 },
      ]);
      assert.match(e.lines[0]!, /^my-prompt\.md:3: unknown placeholder \{\{HEAD_SAH\}\}; use one of \{\{ITERATION\}\}/);
      return true;
    },
  );
});

test('listPlaceholders finds each use with its line; non-identifier braces are ignored', () => {
  assert.deepEqual(listPlaceholders('{{A}}\n{"x": {{B}}}\n{{ c d }} {{}}'), [
    { name: 'A', line: 1 },
    { name: 'B', line: 2 },
  ]);
});

test('appendDirectives uses the anchor format and leaves a prompt without directives alone', () => {
  assert.equal(appendDirectives('P\n', []), 'P\n');
  assert.equal(
    appendDirectives('P\n', ['  first\nline two \n', 'second']),
    'P\n\nSession directives for this codex-loop run (must follow unless they conflict with tests/correctness):\n\n' +
      '[Directive 1]\nfirst\nline two\n[Directive 2]\nsecond\n',
  );
  assert.throws(() => appendDirectives('P', ['ok', '  ']), /directive 2 is empty/);
});

test('the packaged prompt uses every placeholder, no unknown one, and renders', () => {
  const template = readFileSync(join(packageRoot(), 'prompts', 'codex_iteration_prompt.md'), 'utf8');
  const used = new Set(listPlaceholders(template).map((u) => u.name));
  assert.deepEqual([...used].sort(), [...PLACEHOLDERS].sort());
  const out = renderPrompt(template, { ITERATION: 1, TOTAL_ITERATIONS: 5, HEAD_SHA: 'abc1234', RUN_ID: 'r1' });
  assert.doesNotMatch(out, /\{\{/);
  assert.match(out, /\(none yet\)/);
  for (const must of ['Commit: this commit', 'Commit: (pending)', 'pre-mortem', '3 %', 'Step back']) {
    assert.ok(out.toLowerCase().includes(must.toLowerCase()), `prompt lacks "${must}"`);
  }
});
