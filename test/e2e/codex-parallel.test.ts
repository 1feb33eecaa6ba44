/**
 * `gdnctl codex-loop --parallel K` end to end (K = 3, and K = 2 under workspace-write): the built CLI, K REAL codex 0.171 processes at once, the scripted
 * Responses server playing one session per candidate (routed by the `{{CANDIDATE}}` slot text in the prompt),
 * real git worktrees, real post-checks and a local benchmark that reads a number from the tree, so the faster
 * candidate is known in advance (c2: 30 ms, c1: 70 ms, champion: 100 ms, c3: 130 ms).
 *   - all agents run at the same time (a /proc sampler sees both codex processes; the server's request times overlap);
 *   - each commits a different change in `<logDir>/worktrees/<run>/c<k>` and its post-checks run there;
 *   - c2 is promoted onto the loop's branch; c1 stays as `gdnctl/<run>/r1-c1` and as explored in the leaderboard;
 *     c3 is reverted as a regression on its own branch;
 *   - no codex process is left when gdnctl exits.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import { userText } from '../../scripts/model-server/scripted-server.js';
import { loadModelScript, type ModelScript, type ScriptSession } from '../../scripts/model-server/script.js';
import { createExampleRepo } from '../../scripts/demo/example-repo.js';
import { CODEX_BIN, execOutput } from '../helpers/agent-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GDNCTL = join(ROOT, 'bin/gdnctl');
const demo = loadModelScript(join(ROOT, 'scripts/model-server/demo-script.yaml'));
const demoReport = JSON.parse((demo.sessions[0]!.turns.at(-1) as { message: string }).message) as Record<string, unknown>;

const BENCH = 'echo "GDNCTL_METRIC {\\"step_ms\\": $(cat src/step-ms.txt)}"\n';
const SLOT = (k: number, K: number): string => `you are candidate ${k} of ${K} in round 1`;
/** Step times per slot: c2 is the fastest, c1 beats the champion (100) too, c3 is slower than it. */
const PLAN = [
  { stepMs: 70, change: 'unrolled loop' },
  { stepMs: 30, change: 'bucket counts' },
  { stepMs: 130, change: 'wider buckets' },
];

/**
 * Candidate k of K (global iteration k: round 1 numbers its slots 1…K): look around (slowly enough that the
 * runs must overlap), commit its change, report.
 */
function candidate(k: number, K: number): ScriptSession {
  const { stepMs, change } = PLAN[k - 1]!;
  return {
    name: `c${k}`,
    match: SLOT(k, K),
    turns: [
      { exec: 'sleep 3; pwd; git rev-parse --absolute-git-dir' },
      {
        exec: [
          `echo ${stepMs} > src/step-ms.txt`,
          `printf '%s\\n' '// c${k}: ${change}' >> src/pair-sums.mjs`,
          `printf '\\n### Iteration ${k} - c${k}: ${change}\\n- Date: 2026-12-02\\n- Commit: this commit\\n- Hypothesis: ${change} is faster.\\n- Change summary: ${change}.\\n- Correctness checks: node --test passes.\\n- MFU/throughput delta: step_ms 100 -> ${stepMs}.\\n- Next hypothesis: more of the same.\\n' >> notes/hillclimb.md`,
          `git add -A && git commit -q -m 'c${k}: ${change}' && git rev-parse HEAD`,
        ].join(' && '),
      },
      { message: JSON.stringify({ ...demoReport, chosen: { change, expectedEffect: `step_ms ${stepMs}` }, nextHypothesis: `after ${change}` }) },
    ],
  };
}


function readJson<T>(p: string): T {
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

function jsonl(p: string): Array<Record<string, unknown>> {
  return readFileSync(p, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** codex processes (the node launcher and the native binary) whose argv names a folder under `under`. */
function codexProcesses(under: string): Array<{ pid: number; workdir: string }> {
  const out: Array<{ pid: number; workdir: string }> = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const c = argv.indexOf('-C');
    if (!argv.some((a) => /codex/.test(a)) || !argv.includes('exec') || c < 0) continue;
    const workdir = argv[c + 1] ?? '';
    if (workdir.startsWith(under)) out.push({ pid: Number(pid), workdir });
  }
  return out;
}

async function parallelRun(t: TestContext, K: 2 | 3, sandbox: 'bypass' | 'workspace-write'): Promise<void> {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build (npm test does it first)');
  const slots = Array.from({ length: K }, (_, i) => i + 1);
  const script: ModelScript = { model: 'scripted-par', sessions: slots.map((k) => candidate(k, K)) };
  const srv = await startResponsesServer({ script });
  const repo = createExampleRepo({ prefix: 'gdnctl-e2e-par-' });
  t.after(async () => {
    await srv.close();
    repo.dispose();
  });
  writeFileSync(join(repo.dir, 'src/step-ms.txt'), '100\n');
  writeFileSync(join(repo.dir, 'bench/step-ms.sh'), BENCH);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'bench: a step time read from the tree');
  const start = repo.git('rev-parse', 'HEAD');
  const config = join(repo.root, 'par.yaml');
  writeFileSync(config, `promptFile: repo/prompt.md\nhillclimbLog: repo/notes/hillclimb.md\nprotect: ['test/**']\n`);

  const args = [
    '--config', config,
    'codex-loop', '--iterations', String(K), '--parallel', String(K),
    '--model-server', srv.url, '--model', 'scripted-par', '--codex-bin', CODEX_BIN,
    '--post-check', 'node --test test/pair-sums.test.mjs', '--post-check', 'gdnctl lint-log', '--post-check', 'pwd',
    '--bench', 'bash bench/step-ms.sh', '--metric', 'step_ms', '--direction', 'lower', '--bench-on', 'local',
    '--baseline-runs', '3', '--max-bench-runs', '8',
    '--no-commit-policy', 'count-failure', '--post-check-policy', 'count-failure', '--max-failures', '-1',
    '--sleep-seconds', '0', '--log-format', 'json', '--codex-sandbox', sandbox,
  ];
  const child = spawn(GDNCTL, args, { cwd: repo.dir, env: repo.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // Sample the process table while the run lasts: the most candidate workdirs with a live codex at one moment.
  const worktreesRoot = join(repo.dir, '.agents/logs/gdn_codex_loop/worktrees');
  let mostAtOnce = 0;
  const sampler = setInterval(() => {
    mostAtOnce = Math.max(mostAtOnce, new Set(codexProcesses(worktreesRoot).map((p) => p.workdir)).size);
  }, 200);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const why = `exit ${code}\nstdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr.slice(-3000)}\nviolations: ${srv.violations.join('; ')}`;
  assert.equal(code, 0, why);
  assert.deepEqual(srv.violations, [], why);

  // --- no codex left behind, and the sampler could see them while they ran (it is not blind)
  assert.deepEqual(codexProcesses(worktreesRoot), [], 'a codex process outlived gdnctl');
  assert.equal(mostAtOnce, K, 'every candidate had a live codex at the same moment');

  // --- the server: one codex session per candidate, each routed by its slot text, and the two overlapping in time
  const bySession = slots.map((k) => srv.requests.filter((q) => q.session === k - 1));
  for (const [s, reqs] of bySession.entries()) {
    assert.equal(reqs.length, 3, `session c${s + 1}: one request per scripted turn`);
    assert.equal(new Set(reqs.map((q) => q.clientSession)).size, 1, 'one codex session-id per candidate');
    const prompt = userText(reqs[0]!.body);
    for (const k of slots) assert.equal(prompt.includes(SLOT(k, K)), k === s + 1, `c${s + 1}'s prompt names its own slot only`);
    assert.match(prompt, /the others are exploring: candidate \d: /i);
  }
  assert.equal(new Set(bySession.map((r) => r[0]!.clientSession)).size, K, 'K codex sessions');
  assert.equal(new Set(bySession.map((r) => userText(r[0]!.body))).size, K, 'the prompts differ per slot');
  const span = (reqs: typeof srv.requests): [number, number] => [Date.parse(reqs[0]!.receivedAt), Date.parse(reqs.at(-1)!.receivedAt)];
  const spans = bySession.map(span);
  for (const [i, a] of spans.entries()) {
    for (const b of spans.slice(i + 1)) assert.ok(a[0] < b[1] && b[0] < a[1], `agent runs overlap: ${spans.map((x) => x.join('–')).join(', ')}`);
  }

  // --- the ledger
  const runsDir = join(repo.dir, '.agents/logs/gdn_codex_loop/runs');
  const runId = readdirSync(runsDir)[0]!;
  const runDir = join(runsDir, runId);
  assert.equal(readJson<{ status: string }>(join(runDir, 'state.json')).status, 'done');
  const iterDir = (k: number): string => join(runDir, `iter-00${k}`);
  const rec = slots.map((k) => readJson<{ round: number; slot: number; status: string; outcome: string; decision?: { outcome?: string } }>(join(iterDir(k), 'record.json')));
  const slotOf = new Map(rec.map((r, i) => [r.slot, i + 1]));
  assert.deepEqual([...slotOf.keys()].sort(), slots);
  const iterOfSlot = (k: number): number => slotOf.get(k)!;
  assert.equal(rec[iterOfSlot(2) - 1]!.status, 'promoted');
  assert.equal(rec[iterOfSlot(1) - 1]!.status, 'explored');
  assert.equal(rec[iterOfSlot(1) - 1]!.decision?.outcome, 'promoted', 'c1 beat the champion too, and lost the finalist round');
  if (K === 3) assert.equal(rec[iterOfSlot(3) - 1]!.status, 'regression-reverted', 'c3 is slower than the champion');

  for (const k of slots) {
    // The run's worktrees are removed once its rounds are saved (their branches stay): paths from the repo's real path.
    const real = realpathSync(repo.dir);
    const worktree = join(real, '.agents/logs/gdn_codex_loop/worktrees', runId, `c${k}`);
    assert.ok(!existsSync(worktree), `c${k}'s worktree removed at the run's end`);
    const calls = srv.calls.filter((c) => c.session === k - 1);
    assert.ok(calls.every((c) => c.output !== undefined && !c.abandoned));
    // The agent ran in its own linked worktree, under its global iteration number.
    const [cwd, gitDir] = execOutput(calls[0]!.output!).text.trim().split('\n');
    assert.equal(cwd, worktree);
    assert.equal(gitDir, join(real, '.git', 'worktrees', `c${k}`));
    assert.equal(iterOfSlot(k), k);
    assert.match(readFileSync(join(iterDir(k), 'prompt.md'), 'utf8'), new RegExp(`^# pair-sums hill-climb — iteration ${k} / ${K}`));
    // Its commit is on its branch, and the post-checks ran in its worktree.
    const commit = execOutput(calls[1]!.output!);
    assert.equal(commit.exitCode, 0, commit.text);
    const sha = commit.text.trim();
    assert.equal(repo.git('merge-base', '--is-ancestor', sha, `refs/heads/gdnctl/${runId}/r1-c${k}`), '');
    assert.equal(repo.git('show', `${sha}:src/step-ms.txt`), String(PLAN[k - 1]!.stepMs));
    assert.equal(readFileSync(join(iterDir(iterOfSlot(k)), 'post-check-3.log'), 'utf8').split('\n')[1], worktree, 'post-check pwd');
    assert.match(readFileSync(join(iterDir(iterOfSlot(k)), 'post-check-1.log'), 'utf8'), /# pass \d+/);
  }

  // --- promotion: c2's change on the loop's branch, c1's only on its ref
  assert.equal(readFileSync(join(repo.dir, 'src/step-ms.txt'), 'utf8').trim(), '30');
  assert.match(readFileSync(join(repo.dir, 'src/pair-sums.mjs'), 'utf8'), /c2: bucket counts/);
  assert.doesNotMatch(readFileSync(join(repo.dir, 'src/pair-sums.mjs'), 'utf8'), /c[13]: /);
  const subjects = repo.git('log', '--format=%s', `${start}..HEAD`).split('\n');
  assert.deepEqual(subjects.filter((l) => /^c\d: /.test(l)), ['c2: bucket counts'], subjects.join('\n'));
  const promoted = jsonl(join(runDir, 'events.jsonl')).filter((e) => e.type === 'candidate-promoted');
  assert.deepEqual(promoted.map((e) => e.slot), [2]);
  const board = readFileSync(join(runDir, 'leaderboard.md'), 'utf8');
  const row = (iter: number): string => board.split('\n').find((l) => l.includes(`iter-00${iter}`)) ?? '';
  assert.match(row(iterOfSlot(1)), /🔎 explored/, board);
  assert.match(row(iterOfSlot(1)), /r1-c1/, board);
  assert.match(row(iterOfSlot(2)), /✅ kept/, board);
  if (K === 3) assert.match(row(iterOfSlot(3)), /❌ reverted/, board);
  assert.equal(repo.git('status', '--porcelain'), '', 'the operator tree is clean');
  for (const q of srv.requests) assert.match(String(q.headers['x-codex-turn-metadata']), new RegExp(`"sandbox_mode":"${sandbox === 'bypass' ? 'danger-full-access' : sandbox}"`));
}

test('--parallel 3 with three real codex processes: concurrent candidates, per-slot prompts, one promoted, one explored, one reverted', { timeout: 300_000 }, (t) =>
  parallelRun(t, 3, 'bypass'));

// The candidates commit in linked worktrees, whose git dirs codex's sandbox keeps read-only unless the adapter
// names them (codex-git-dirs.ts); codex-parallel-sandbox.test.ts shows the commit failing without that.
test('--parallel 2 under --codex-sandbox workspace-write: the agents commit in their linked worktrees', { timeout: 300_000 }, (t) =>
  parallelRun(t, 2, 'workspace-write'));
