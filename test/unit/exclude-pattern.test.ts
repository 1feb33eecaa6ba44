import assert from 'node:assert/strict';
import { test } from 'node:test';
import { excludePatternFor } from '../../src/adapters/git/repo-preflight.js';

test('excludePatternFor anchors the folder at the root and escapes gitignore specials', () => {
  assert.equal(excludePatternFor('/repo', '.agents/logs/gdn_codex_loop'), '/.agents/logs/gdn_codex_loop/');
  assert.equal(excludePatternFor('/repo', '/repo/runs/'), '/runs/');
  assert.equal(excludePatternFor('/repo', 'logs [x]/#1*'), '/logs \\[x\\]/\\#1\\*/');
  assert.equal(excludePatternFor('/repo', '/elsewhere/logs'), undefined);
  assert.equal(excludePatternFor('/repo', '../repo-logs'), undefined);
  assert.equal(excludePatternFor('/repo', '.'), undefined);
});
