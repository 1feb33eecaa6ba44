import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { events, FAST, loopEnv, readJson, runDirs, runLoopInProcess, type Invocation } from '../helpers/loop-harness.js';

const LOG = 'notes/hillclimb.md';

/** Each candidate writes a file named after its worktree (c1, c2, …) and its own hill-climb entry. */
function candidateAgent(extraSteps: Invocation['steps'] = []): Invocation[] {
  const cmd = [
    'slot=$(basename "$PWD")',
    'n=$(git rev-list --count HEAD)',
    'echo "$slot $n" > "work-$slot.txt"',
    'mkdir -p notes',
    'printf "# log\\n\\n### Iteration %s - try %s\\n- Commit: this commit\\n" "$n" "$slot" >> notes/hillclimb.md',
    'git add -A && git commit -qm "agent change in $slot"',
  ].join(' && ');
  return [{ steps: [...extraSteps, { do: 'shell', cmd }] }];
}

function prompts(logFile: string): Array<{ cwd: string; prompt: string }> {
  return readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cwd: string; prompt: string });
}

test('--parallel 3: three candidates per round in their own worktrees, distinct prompts, one promotion per round, refs for the others', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  const codexLog = repo.scratch('codex-log.jsonl');
  const env = loopEnv(repo, candidateAgent(), { FAKE_CODEX_LOG: codexLog });
  const before = repo.head();
  // Candidate 5's post-check leaves an untracked file behind in its worktree: stashed when the worktree goes.
  const r = await runLoopInProcess(repo, ['--iterations', '6', '--parallel', '3', ...FAST, '--hillclimb-log', LOG, '--post-check', 'if [ "$GDNCTL_ITERATION" = 5 ]; then echo stray > stray.txt; fi'], env);
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo)[0]!;
  const runId = run.split('/').at(-1)!;
  // Six candidates, numbered 1…6, two rounds of three.
  for (let i = 1; i <= 6; i++) {
    const rec = readJson(join(run, `iter-${String(i).padStart(3, '0')}`, 'record.json'));
    assert.equal(rec.round, Math.ceil(i / 3), `round of ${i}`);
    assert.equal(rec.slot, ((i - 1) % 3) + 1, `slot of ${i}`);
    assert.equal(rec.outcome, 'kept');
    // Without --bench the lowest slot wins; the others' changes stay on their branches only.
    assert.equal(rec.status, i % 3 === 1 ? 'kept' : 'explored', `status of ${i}`);
  }
  // Distinct prompts per slot, each naming its slot.
  const seen = prompts(codexLog);
  assert.equal(seen.length, 6);
  const firstRound = seen.filter((p) => /round 1/.test(p.prompt));
  assert.equal(new Set(firstRound.map((p) => p.prompt)).size, 3, 'three distinct prompts in round 1');
  for (const k of [1, 2, 3]) assert.ok(firstRound.some((p) => p.prompt.includes(`you are candidate ${k} of 3 in round 1`)), `slot ${k}`);
  assert.ok(new Set(seen.map((p) => p.cwd)).size === 3, 'three worktrees, reused across rounds');
  // One promotion per round: the loop's branch moved by exactly two candidates' ranges.
  const promoted = events(run).filter((e) => e.type === 'candidate-promoted');
  assert.equal(promoted.length, 2);
  const subjects = repo.git('log', '--format=%s', `${before}..HEAD`).trim().split('\n');
  assert.equal(subjects.filter((s) => s.startsWith('agent change in')).length, 2, subjects.join('\n'));
  // The others stay as refs.
  const branches = repo.git('for-each-ref', '--format=%(refname:short)', `refs/heads/gdnctl/${runId}/`).trim().split('\n');
  assert.deepEqual(branches.sort(), ['r1-c1', 'r1-c2', 'r1-c3', 'r2-c1', 'r2-c2', 'r2-c3'].map((b) => `gdnctl/${runId}/${b}`));
  // The run's worktrees are gone once its rounds are saved; the branches above stay.
  for (const k of [1, 2, 3]) assert.ok(!existsSync(join(repo.dir, '.agents', 'logs', 'gdn_codex_loop', 'worktrees', runId, `c${k}`)), `c${k} removed`);
  assert.equal(repo.git('worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1, repo.git('worktree', 'list'));
  assert.ok(repo.isClean(), 'operator tree clean');
  const state = readJson<{ status: string; completed: unknown[]; leftoverStashes: string[] }>(join(run, 'state.json'));
  assert.equal(state.status, 'done');
  assert.equal(state.completed.length, 6);
  // c2's stray file was stashed by SHA before its worktree went, never discarded.
  const kept = state.leftoverStashes.filter((sha) => repo.git('show', '--format=', '--name-only', `${sha}^3`).includes('stray.txt'));
  assert.equal(kept.length, 1, JSON.stringify(state.leftoverStashes));
  assert.ok(repo.git('stash', 'list', '--format=%H').includes(kept[0]!), 'in git stash list');
});

test('--parallel bad input exits 2 with one line and writes nothing', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  const env = loopEnv(repo, candidateAgent());
  const cases: Array<[string[], RegExp]> = [
    [['--parallel', '0'], /--parallel 0 runs no candidate/],
    [['--parallel', '9'], /above --max-parallel 8/],
    [['--parallel', '3', '--max-parallel', '2'], /above --max-parallel 2/],
    [['--parallel', '2', '--plan-first'], /--plan-first/],
    [['--parallel', '2', '--bootstrap-infra'], /--bootstrap-infra/],
    [['--parallel', '4', '--bench', 'true', '--metric', 'x', '--max-bench-runs', '3'], /α\/4 .* cannot promote within --max-bench-runs 3/],
    // One named TPU would take K benchmarks at once: a node per candidate needs --hold-dev-tpu.
    [['--parallel', '2', '--bench-on', 'tpu', '--tpu-name', 'one', '--project', 'p', '--bench', 'true', '--metric', 'x'], /--parallel 2 with the benchmark on the TPU needs a node per candidate; add --hold-dev-tpu/],
  ];
  for (const [args, re] of cases) {
    const r = await runLoopInProcess(repo, ['--iterations', '2', ...FAST, ...args], env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.ok(!existsSync(join(repo.dir, '.agents', 'logs', 'gdn_codex_loop', 'runs')), 'nothing written');
  }
});

const BENCH = 'v=$(cat speed.txt)\necho "GDNCTL_METRIC {\\"step_ms\\": $v}"\n';

test('--parallel 3 --bench: each candidate tested at α/3, the finalists ranked, the fastest promoted, the others explored', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  // c1 gets faster, c2 fastest, c3 slower.
  const speed = [{ do: 'shell', cmd: 'case "$(basename "$PWD")" in c1) echo 90 > speed.txt;; c2) echo 50 > speed.txt;; *) echo 120 > speed.txt;; esac' }];
  const env = loopEnv(repo, candidateAgent(speed));
  const notes = repo.scratch('notes.jsonl');
  const args = ['--iterations', '3', '--parallel', '3', ...FAST, '--hillclimb-log', LOG, '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--max-bench-runs', '8', '--no-commit-policy', 'count-failure', '--max-failures', '-1', '--post-check-policy', 'count-failure', '--notify-cmd', `cat >> '${notes}'`];
  const r = await runLoopInProcess(repo, args, env);
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo)[0]!;
  // One promotion notification for the round, the winner's, though c1 beat the champion too.
  const sent = readFileSync(notes, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; iteration: number | null; metric?: { value: number | null } });
  const promotions = sent.filter((p) => p.event === 'promotion');
  assert.equal(promotions.length, 1, JSON.stringify(sent.map((p) => p.event)));
  assert.equal(promotions[0]!.iteration, 2);
  assert.equal(promotions[0]!.metric?.value, 50);
  const rec = (i: number) => readJson<{ status: string; decision?: { candidate?: number; outcome?: string }; explored?: unknown }>(join(run, `iter-00${i}`, 'record.json'));
  // c1 beat the champion at α/3 too, but lost the finalist round: explored, not a second champion.
  assert.equal(rec(1).status, 'explored');
  assert.equal(rec(1).decision?.outcome, 'promoted');
  assert.deepEqual(rec(1).explored, { from: 'promoted', round: 1, promotedSlot: 2 });
  assert.equal(rec(2).status, 'promoted');
  assert.equal(rec(3).status, 'regression-reverted');
  const promoted = events(run).filter((e) => e.type === 'candidate-promoted');
  assert.equal(promoted.length, 1);
  assert.equal(promoted[0]!.slot, 2, 'the fastest finalist wins the ranking round');
  assert.deepEqual(promoted[0]!.ranking, [2, 1]);
  assert.equal(readFileSync(join(repo.dir, 'speed.txt'), 'utf8').trim(), '50');
  const champ = readJson<{ sha: string; median: number }>(join(run, 'champion.json'));
  assert.equal(champ.sha, repo.head());
  assert.equal(champ.median, 50);
  const board = readFileSync(join(run, 'leaderboard.md'), 'utf8');
  assert.match(board, /\(r1-c2\)/);
  // The lineage follows the winner only: c2 first, then the baseline it beat, then the explored c1.
  const ranked = board.split('\n').filter((l) => /^\| \d/.test(l)).map((l) => l.split('|').map((c) => c.trim()));
  assert.deepEqual(ranked.map((c) => [c[1], c[2]!.split('-').slice(0, 2).join('-'), c.at(-2)]), [
    ['1', 'iter-002', '✅ kept'],
    ['2', 'baseline', 'Baseline'],
    ['3', 'iter-001', '🔎 explored'],
    ['4', 'iter-003', '❌ reverted'],
  ]);
  const rows = readJson<{ rows: Array<{ iteration: number; outcome: string }> }>(join(run, 'ledger.json')).rows;
  assert.deepEqual(rows.map((r) => r.outcome), ['explored', 'promoted', 'regression']);
  // report.html's champion line steps only onto the winner's 50, never onto c1's 90.
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!) as { charts: Array<{ champion: Array<{ y: number }>; points: Array<{ iteration: number; kind: string }> }> };
  const champLine = data.charts[0]!.champion.map((p) => p.y);
  assert.ok(!champLine.includes(90), `champion line ${champLine.join(',')}`);
  assert.equal(champLine.at(-1), 50);
  assert.equal(data.charts[0]!.points.find((p) => p.iteration === 1)?.kind, 'explored');
  assert.match(html, /🔎<\/span> explored/);
  const state = readJson<{ completed: Array<{ iteration: number; status?: string }> }>(join(run, 'state.json'));
  assert.deepEqual(state.completed.map((c) => c.status), ['explored', 'promoted', 'regression-reverted']);
});

test('--parallel 2: a candidate\'s agent, post-checks and bench see its own worktree\'s experiment log, not the operator\'s', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': `echo "$GDNCTL_HILLCLIMB_LOG" >> "$SEEN"\n${BENCH}` } });
  t.after(() => repo.dispose());
  const seen = repo.scratch('seen.txt');
  const record = { do: 'shell', cmd: `echo "$GDNCTL_HILLCLIMB_LOG" >> '${seen}'` };
  const env = { ...loopEnv(repo, candidateAgent([record])), SEEN: seen };
  const args = ['--iterations', '2', '--parallel', '2', ...FAST, '--hillclimb-log', LOG, '--post-check', `echo "$GDNCTL_HILLCLIMB_LOG" >> '${seen}'`,
    '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '2', '--max-bench-runs', '4', '--no-commit-policy', 'count-failure', '--max-failures', '-1'];
  const r = await runLoopInProcess(repo, args, env);
  assert.equal(r.code, 0, r.stderr);
  const runId = runDirs(repo)[0]!.split('/').at(-1)!;
  const lines = readFileSync(seen, 'utf8').trim().split('\n');
  const inCandidate = (k: number) => join(repo.dir, '.agents', 'logs', 'gdn_codex_loop', 'worktrees', runId, `c${k}`, LOG);
  const operator = join(repo.dir, LOG);
  for (const k of [1, 2]) assert.ok(lines.filter((l) => l === inCandidate(k)).length >= 3, `agent, post-check and bench of c${k}: ${lines.join('\n')}`);
  // The run's own baseline is measured in the operator's tree; no candidate's child is pointed there.
  assert.ok(lines.every((l) => l === operator || l === inCandidate(1) || l === inCandidate(2)), lines.join('\n'));
});
