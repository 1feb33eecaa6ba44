/**
 * The agent can run gdnctl: the REAL codex (0.171) against the scripted Responses-API server, driven by the built
 * bin/gdnctl. Codex runs each command through `bash -lc`, whose login profile resets PATH (Debian's
 * /etc/profile), so the packaged prompt names gdnctl by absolute path ({{GDNCTL}}). The scripted exec reads the
 * command the prompt names out of the iteration's prompt.md and runs it, as an agent following the prompt would:
 * `<gdnctl> lint-log --allow-this-commit` must pass on the loop's hill-climb log (a non-default path, which
 * the agent's environment carries), and the commit is kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import type { ModelScript } from '../../scripts/model-server/script.js';
import { CODEX_BIN, execOutput } from '../helpers/agent-cli.js';
import { ROOT } from '../helpers/loop-harness.js';
import { TempRepo } from '../helpers/temp-repo.js';

const GDNCTL = join(ROOT, 'bin', 'gdnctl');
const LOG = 'notes/log.md';
const ENTRY = [
  '### Iteration 1 - fuse the chunk loop',
  '- Date: 2026-11-23',
  '- Commit: this commit',
  '- Hypothesis: fewer launches.',
  '- Change summary (`src/kernel.py`): one kernel instead of two.',
  '- Correctness checks: unit tests pass.',
  '- MFU/throughput delta (vs baseline run `r1`): +3 %.',
  '- Next bold hypothesis: tile the state.',
].join('\n');

// The command the prompt names, read back from the prompt the agent was given (prompt.md in the run directory).
const NAMED = "sed -n 's/.*run `\\(.*\\) lint-log --allow-this-commit`.*/\\1/p' .agents/logs/gdn_codex_loop/runs/*/iter-001/prompt.md | head -1";

const script: ModelScript = {
  model: 'scripted-path',
  sessions: [
    {
      name: 'lint-then-commit',
      turns: [
        { exec: `cat >> ${LOG} <<'EOF'\n${ENTRY}\nEOF\necho "src $RANDOM" > kernel.txt` },
        { exec: `g=$(${NAMED}); echo "named: $g"; command -v gdnctl || echo "no gdnctl on this shell's PATH"; eval "$g lint-log --allow-this-commit"` },
        { exec: "git add -A && git commit -q -m 'fuse the chunk loop' && git rev-parse HEAD" },
        { message: 'Fused the chunk loop; lint-log passed before the commit.' },
      ],
    },
  ],
};

test('the agent runs the gdnctl the prompt names through codex\'s bash -lc: lint-log passes on the loop\'s log, the commit is kept', { timeout: 120_000 }, async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build');
  const srv = await startResponsesServer({ script });
  const repo = await TempRepo.create({ files: { 'kernel.txt': 'src\n', [LOG]: '# log\n\n' } });
  t.after(async () => {
    await srv.close();
    repo.dispose();
  });
  const args = [
    'codex-loop', '--iterations', '1', '--hillclimb-log', LOG, '--post-check', 'gdnctl lint-log',
    '--model-server', srv.url, '--model', 'scripted-path', '--codex-bin', CODEX_BIN, '--sleep-seconds', '0',
  ];
  const child = spawn(GDNCTL, args, { cwd: repo.dir, env: { ...repo.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const why = `exit ${code}\n${out.slice(-3000)}\nviolations: ${srv.violations.join('; ')}`;
  assert.equal(code, 0, why);
  assert.deepEqual(srv.violations, [], why);

  const runsDir = join(repo.dir, '.agents/logs/gdn_codex_loop/runs');
  const iter = join(runsDir, readdirSync(runsDir)[0]!, 'iter-001');
  assert.ok(readFileSync(join(iter, 'prompt.md'), 'utf8').includes(`run \`${GDNCTL} lint-log --allow-this-commit\``), 'the packaged prompt names the running gdnctl');
  const lint = srv.calls.find((c) => c.cmd.includes('lint-log --allow-this-commit'));
  assert.ok(lint?.output, 'the lint call was answered');
  const result = execOutput(lint.output);
  assert.match(result.text, new RegExp(`named: ${GDNCTL.replace(/[/.]/g, '\\$&')}\\n`), result.text);
  assert.equal(result.exitCode, 0, result.text);
  assert.match(result.text, /notes\/log\.md/, 'lint-log checked the loop\'s log, not the default path');
  const rec = JSON.parse(readFileSync(join(iter, 'record.json'), 'utf8')) as { outcome: string };
  assert.equal(rec.outcome, 'kept', why);
});
