/**
 * `gdnctl codex-loop --bench` on examples/ through the REAL Codex CLI and the scripted server: the example's own
 * gdnctl.yaml (prompt, log, post-checks, bench, metric), three iterations:
 *   1. the O(n) rewrite → promoted;
 *   2. a change that cannot alter speed (a comment) → kept-within-noise;
 *   3. the Set version that breaks the correctness test → reverted by a revert commit.
 * Flake control: a true null change is falsely promoted with probability ≤ --alpha (0.005 here), and
 * --max-regression-pct 50 leaves "regression"/"inconclusive" out of reach for it; the O(n) change is >10× faster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import { loadModelScript, type ModelScript } from '../../scripts/model-server/script.js';
import { createExampleRepo } from '../../scripts/demo/example-repo.js';
import { CODEX_BIN } from '../helpers/agent-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GDNCTL = join(ROOT, 'bin/gdnctl');
const demo = loadModelScript(join(ROOT, 'scripts/model-server/demo-script.yaml'));
const report = (demo.sessions[1]!.turns.at(-1) as { message: string }).message;

const script: ModelScript = {
  sessions: [
    demo.sessions[0]!,
    {
      name: 'null-change',
      turns: [
        { exec: "sed -i '1i // Counting pairs: see the hill-climb log for the history of this function.' src/pair-sums.mjs" },
        {
          exec: `cat >> notes/hillclimb.md <<'EOF'

### Iteration 2 - comment only
- Date: 2026-11-23
- Commit: this commit
- Hypothesis: none; a documentation change that must measure as noise.
- Change summary: one comment line.
- Correctness checks: not needed.
- MFU/throughput delta: none expected.
- Next hypothesis: typed-array buckets.
EOF
git add -A && git commit -q -m 'pair-sums: comment' && git rev-parse HEAD`,
        },
        { message: report },
      ],
    },
    demo.sessions[2]!,
  ],
};

interface Decision {
  outcome: string;
}

test('codex-loop --bench with the real codex: promoted, kept-within-noise, reverted; leaderboard and report.html', { timeout: 300_000 }, async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build (npm test does it first)');
  const srv = await startResponsesServer({ script });
  const repo = createExampleRepo({ prefix: 'gdnctl-e2e-bench-' });
  t.after(async () => {
    await srv.close();
    repo.dispose();
  });
  const args = [
    'codex-loop', '--iterations', '3',
    '--model-server', srv.url, '--codex-bin', CODEX_BIN,
    // Cheaper benchmark runs (fewer, shorter batches) for the test; bench/metric/direction otherwise come from
    // the example's gdnctl.yaml, like the post-checks.
    '--bench', 'PAIR_SUMS_BATCHES=3 PAIR_SUMS_BATCH_MS=20 node bench/pair-sums.bench.mjs',
    // α 0.005 over looks at 5 and 10 runs/side spends 0.0025 at each. The second look can promote even when a
    // few runs overlap on a busy machine (the smallest exact Mann-Whitney p for 10 vs 10 is 1/184756), where
    // looks at 5 and 6 (0.0042, then 0.0008 < 1/924) could promote only on a perfect split at the first look.
    // A null change is falsely promoted with p ≤ 0.005 either way.
    '--accept-noise', '--baseline-runs', '3', '--alpha', '0.005', '--max-regression-pct', '50', '--max-bench-runs', '10',
    '--no-commit-policy', 'count-failure', '--post-check-policy', 'count-failure', '--max-failures', '-1',
    '--sleep-seconds', '0', '--log-format', 'json',
  ];
  const child = spawn(GDNCTL, args, { cwd: repo.dir, env: repo.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, out.slice(-4000));
  assert.deepEqual(srv.violations, []);

  const runsDir = join(repo.dir, '.agents/logs/gdn_codex_loop/runs');
  const runDir = join(runsDir, readdirSync(runsDir)[0]!);
  const rec = [1, 2, 3].map((i) => JSON.parse(readFileSync(join(runDir, `iter-00${i}`, 'record.json'), 'utf8')) as {
    outcome: string;
    reason?: string;
    decision?: Decision;
    revertSha?: string;
  });
  assert.equal(rec[0]!.decision?.outcome, 'promoted', JSON.stringify(rec[0]!.decision));
  assert.equal(rec[1]!.decision?.outcome, 'kept-within-noise', JSON.stringify(rec[1]!.decision));
  assert.equal(rec[2]!.reason, 'post-check-failed');
  assert.equal(repo.git('rev-parse', 'HEAD^'), rec[2]!.revertSha, 'the revert, then the re-recorded failed log entry');
  assert.match(repo.git('log', '-1', '--format=%s'), /record failed iteration 003 \(post-check-failed\)/);
  assert.ok(existsSync(join(runDir, 'baseline', 'result.txt')), 'baseline stored');
  for (const i of [1, 2]) assert.ok(existsSync(join(runDir, `iter-00${i}`, 'bench.json')), `iteration ${i} bench.json`);

  const leaderboard = readFileSync(join(runDir, 'leaderboard.md'), 'utf8');
  assert.match(leaderboard, /promoted\)? \| ✅/);
  assert.match(leaderboard, /kept-within-noise\)? \| ✅/);
  assert.match(leaderboard, /post-check-failed[^\n]*\| ❌/);

  const r = spawnSync(GDNCTL, ['report'], { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const html = readFileSync(join(runDir, 'report.html'), 'utf8');
  for (const word of ['promoted', 'kept-within-noise', 'post-check-failed']) assert.ok(html.includes(word), `report.html mentions ${word}`);
});
