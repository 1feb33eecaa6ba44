/**
 * The loop's settings reach the children it starts (docs/architecture.md "What post-checks see"): a post-check
 * `gdnctl lint-log` checks the log the loop writes, a flag written into the post-check still wins, and the agent
 * finds this gdnctl first on PATH, sees the loop's settings and is told the binary's absolute path.
 * The post-checks run the built bin/gdnctl: `npm run build` first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, readJson, ROOT, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';

const LOG = 'notes/log.md';
const BIN = join(ROOT, 'bin');

/** A complete entry (every default required field), as the packaged prompt asks for. */
function entry(n: number): string {
  return [
    `### Iteration ${n} - fuse the chunk loop`,
    '- Date: 2026-11-23',
    '- Commit: this commit',
    '- Hypothesis: fewer launches.',
    '- Change summary: one kernel instead of two.',
    '- Correctness checks: unit tests pass.',
    '- MFU/throughput delta: +3 %.',
    '- Next hypothesis: tile the state.',
    '',
  ].join('\n');
}

function record(repo: TempRepo, i: number): { outcome: string; reason?: string; detail?: string } {
  return readJson(join(runDirs(repo).at(-1)!, `iter-${String(i).padStart(3, '0')}`, 'record.json'));
}

test('--hillclimb-log notes/log.md with --post-check "gdnctl lint-log": lint-log checks the loop\'s log and the iteration is kept; a flag in the post-check wins', async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build');
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n', [LOG]: '# log\n\n' } });
  t.after(() => repo.dispose());
  const kept = await runLoopInProcess(
    repo,
    ['--iterations', '1', ...FAST, '--hillclimb-log', LOG, '--post-check', 'gdnctl lint-log'],
    loopEnv(repo, [{ steps: [commitStep({ 'a.txt': 'b\n', [LOG]: `# log\n\n${entry(1)}` })] }]),
  );
  assert.equal(kept.code, 0, kept.stderr);
  assert.equal(record(repo, 1).outcome, 'kept', JSON.stringify(record(repo, 1)));
  assert.match(readFileSync(join(runDirs(repo).at(-1)!, 'iter-001', 'post-check-1.log'), 'utf8'), /# exit 0\n$/);

  // The post-check's own --hillclimb-log beats the loop's value: it lints a file that does not exist.
  const own = await runLoopInProcess(
    repo,
    ['--iterations', '1', ...FAST, '--new-run', '--hillclimb-log', LOG, '--post-check', 'gdnctl lint-log --hillclimb-log notes/other.md'],
    loopEnv(repo, [{ steps: [commitStep({ 'a.txt': 'c\n', [LOG]: `${repo.read(LOG)}\n${entry(2)}` })] }]),
  );
  assert.equal(own.code, 1, own.stderr);
  assert.equal(record(repo, 1).reason, 'post-check-failed');
  assert.match(readFileSync(join(runDirs(repo).at(-1)!, 'iter-001', 'post-check-1.log'), 'utf8'), /notes\/other\.md/);
});

test('the agent: PATH starts with gdnctl\'s bin folder, the loop\'s settings are in its environment, the prompt names gdnctl by path', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const prompt = repo.scratch('prompt.md');
  writeFileSync(prompt, 'Iteration {{ITERATION}}. Before committing, run `{{GDNCTL}} lint-log --allow-this-commit` on {{HILLCLIMB_LOG}}.\n');
  const seen = repo.scratch('agent-env.txt');
  const r = await runLoopInProcess(
    repo,
    ['--iterations', '1', ...FAST, '--hillclimb-log', LOG, '--prompt-file', prompt, '--project', 'loop-proj'],
    loopEnv(repo, [
      {
        steps: [
          { do: 'print-env', name: 'PATH' },
          // The agent's own shell commands (bash -lc) keep the variables; only PATH is reset by the login profile.
          { do: 'shell', cmd: `echo "$GDNCTL_HILLCLIMB_LOG|$GDNCTL_PROJECT" > ${seen}` },
          commitStep({ 'a.txt': 'b\n', [LOG]: entry(1) }),
        ],
      },
    ]),
  );
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo)[0]!;
  const transcript = readFileSync(join(run, 'iter-001', 'transcript.jsonl'), 'utf8');
  const path = /The value of PATH is ([^"]*)"/.exec(transcript)?.[1] ?? '';
  assert.equal(path.split(':')[0], BIN, `the agent's PATH: ${path}`);
  assert.ok(path.includes(join(ROOT, 'test', 'fakes', 'bin')), 'the caller\'s PATH follows');
  assert.equal(readFileSync(seen, 'utf8').trim(), `${join(repo.dir, LOG)}|loop-proj`);
  assert.match(readFileSync(join(run, 'iter-001', 'prompt.md'), 'utf8'), new RegExp(`run \`${join(BIN, 'gdnctl').replace(/[/.]/g, '\\$&')} lint-log --allow-this-commit\` on notes/log\\.md`));
});

test('--dry-run renders {{GDNCTL}} and {{HILLCLIMB_LOG}} in the prompt it prints', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const r = await runLoopInProcess(repo, ['--iterations', '1', '--dry-run', '--hillclimb-log', LOG], loopEnv(repo, [{ steps: [] }]));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`run \`${join(BIN, 'gdnctl').replace(/[/.]/g, '\\$&')} lint-log --allow-this-commit\``));
  assert.match(r.stdout, /The hill-climb log is `notes\/log\.md`/);
});

test('the benchmark gets the loop\'s shared settings as GDNCTL_* too', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  // A metric only when the bench sees the loop's log and project; otherwise no metric, and the baseline is refused.
  const bench = `[ "$GDNCTL_HILLCLIMB_LOG|$GDNCTL_PROJECT" = "${join(repo.dir, LOG)}|bench-proj" ] && echo 'GDNCTL_METRIC {"step_ms": 10}'`;
  const r = await runLoopInProcess(
    repo,
    ['--iterations', '1', ...FAST, '--hillclimb-log', LOG, '--project', 'bench-proj', '--bench', bench, '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--max-bench-runs', '3'],
    loopEnv(repo, [{ steps: [commitStep({ 'a.txt': 'b\n' })] }]),
  );
  assert.equal(r.code, 0, r.stderr);
  const rec = record(repo, 1) as { outcome: string; decision?: { outcome: string } };
  assert.equal(rec.outcome, 'kept', JSON.stringify(rec));
  assert.ok(rec.decision, 'the measurer decided on a metric');
});
