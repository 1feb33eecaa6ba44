/**
 * Bad input of the measurement rules: a keep/revert rule that cannot promote and MFU on a chip family without a
 * known peak. Each exits 2 with one line naming the fix, and writes nothing (test/helpers/bad-input-case.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { loop, runBadInputCase, type BadInputCase } from '../helpers/bad-input-case.js';

const BENCH = ['--bench', 'echo GDNCTL_METRIC {\\"step_ms\\": 1}'];

const cases: BadInputCase[] = [
  {
    name: 'codex-loop --alpha 0.005 --max-bench-runs 6 (a perfect split at the first look or nothing)',
    argv: () => loop(...BENCH, '--alpha', '0.005', '--max-bench-runs', '6'),
    line: /--alpha 0\.005 --max-bench-runs 6 cannot promote at its last look: .*below 1\/924.*--alpha 0\.0065 \(with this --max-bench-runs\) or --max-bench-runs 7 \(with this --alpha\)$/,
  },
  {
    name: 'codex-loop --max-bench-runs 2 at the default --alpha (can never promote)',
    argv: () => loop(...BENCH, '--max-bench-runs', '2'),
    line: /--alpha 0\.05 --max-bench-runs 2 can never promote: .*1\/6 at 2 runs\/side.*--max-bench-runs 3 \(with this --alpha\)$/,
  },
  {
    name: 'GDNCTL_MAX_BENCH_RUNS=1 (from the environment)',
    argv: () => loop(...BENCH),
    env: () => ({ GDNCTL_MAX_BENCH_RUNS: '1' }),
    line: /--max-bench-runs 1 can never promote/,
  },
  {
    name: 'baseline --alpha 0.005 --max-bench-runs 6',
    argv: () => ['baseline', ...BENCH, '--alpha', '0.005', '--max-bench-runs', '6'],
    line: /--max-bench-runs 6 cannot promote at its last look/,
  },
  {
    name: 'codex-loop --metric mfu on an unknown chip family',
    argv: () => loop(...BENCH, '--metric', 'mfu', '--tpu-type', 'v7x-8'),
    line: /no bf16 peak is known for TPU type v7x-8 .*set chipPeakTflops: <TFLOP\/s per chip> in gdnctl\.yaml or pass --chip-peak-tflops N$/,
  },
  {
    name: 'codex-loop --flops-per-step on a cluster whose type has no known peak',
    argv: () => loop(...BENCH, '--metric', 'step_ms', '--flops-per-step', '1e12', '--clusters', '{"lab": {"zone": "us-central1-b", "acceleratorType": "v9z-4"}}', '--dev-tpu-cluster', 'lab'),
    line: /TPU type v9z-4.*chipPeakTflops/,
  },
  {
    name: 'codex-loop --chip-peak-tflops 0',
    argv: () => loop(...BENCH, '--metric', 'mfu', '--chip-peak-tflops', '0'),
    line: /--chip-peak-tflops/,
  },
];

for (const c of cases) test(`bad measurement rule: ${c.name}`, () => runBadInputCase(c));

test('gdnctl baseline --metric mfu: flops and step_ms against v5p-8\'s 4 × 459 TFLOP/s; flops without a step time fails naming the key', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'gdnctl-mfu-baseline-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', root]);
  execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', 'commit', '-qm', 'init', '--allow-empty'], { cwd: root });
  const flops = 0.5 * 0.02 * 4 * 459e12;
  const ok = await runCli(['baseline', '--bench', `echo 'GDNCTL_METRIC {"step_ms": 20, "flops": ${flops}}'`, '--metric', 'mfu', '--baseline-runs', '2'], root);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /median 0\.5 over 2 runs/);
  const bad = await runCli(['baseline', '--bench', `echo 'GDNCTL_METRIC {"flops": ${flops}, "tokens_per_s": 9}'`, '--metric', 'mfu', '--baseline-runs', '2'], root);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /run 1\/2: GDNCTL_METRIC has "flops" but no step time \("step_ms" or "step_time_ms", in ms\)/);
});
