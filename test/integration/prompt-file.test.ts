import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPromptFile, readPromptTemplate } from '../../src/adapters/prompt-file.js';
import { UsageError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gdnctl-prompt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the packaged prompt is found from the package root and passes the checks', async () => {
  assert.match(defaultPromptFile(), /prompts\/codex_iteration_prompt\.md$/);
  assert.match(await readPromptTemplate(), /\{\{HILLCLIMB_LOG\}\}/);
});

test('missing, empty and unknown-placeholder templates are usage errors naming file and line', async () => {
  await assert.rejects(readPromptTemplate(join(dir, 'nope.md')), (e: unknown) => e instanceof UsageError && /ENOENT.*--prompt-file/.test(e.message));
  writeFileSync(join(dir, 'empty.md'), '\n  \n');
  await assert.rejects(readPromptTemplate(join(dir, 'empty.md')), /prompt template is empty/);
  writeFileSync(join(dir, 'typo.md'), 'Iteration {{ITERATION}}\n{{ITERATON}}\n');
  await assert.rejects(readPromptTemplate(join(dir, 'typo.md')), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.lines[0]!, /typo\.md:2: unknown placeholder \{\{ITERATON\}\}/);
    return true;
  });
});
