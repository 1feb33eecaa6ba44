import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { execCommands, loadModelScript } from '../../scripts/model-server/script.js';
import { parseAgentReport } from '../../src/core/agent-report.js';

const demo = loadModelScript(fileURLToPath(new URL('../../scripts/model-server/demo-script.yaml', import.meta.url)));

test('the demo script: three sessions, each commits once and ends with a valid structured report', () => {
  assert.deepEqual(demo.sessions.map((s) => s.name), ['improve', 'within-noise', 'breaks-test']);
  for (const s of demo.sessions) {
    const cmds = s.turns.flatMap((t) => execCommands(t) ?? []);
    assert.equal(cmds.filter((c) => c.includes('git commit')).length, 1, `${s.name} commits exactly once`);
    assert.ok(cmds.some((c) => c.includes('notes/hillclimb.md') && c.includes('- Commit: this commit')), `${s.name} writes its log entry`);
    const last = s.turns.at(-1)!;
    assert.ok('message' in last, `${s.name} ends with a message`);
    const parsed = parseAgentReport(last.message);
    assert.ok(parsed.ok, `${s.name}: ${parsed.ok ? '' : parsed.error}`);
  }
});
