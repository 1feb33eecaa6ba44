/**
 * Bad input of the measurement rules: a keep/revert rule that cannot promote and MFU on a chip family without a
 * known peak. Each exits 2 with one line naming the fix, and writes nothing (test/helpers/bad-input-case.ts).
 */
import { test } from 'node:test';
import { loop, runBadInputCase, type BadInputCase } from '../helpers/bad-input-case.js';

const BENCH = ['--bench', 'echo GDNCTL_METRIC {\\"step_ms\\": 1}'];

const cases: BadInputCase[] = [
  {
    name: 'codex-loop --alpha 0.005 --max-bench-runs 6 (a perfect split at the first look or nothing)',
    argv: () => loop(...BENCH, '--alpha', '0.005', '--max-bench-runs', '6'),
    line: /--alpha 0\.005 --max-bench-runs 6 can promote only if every candidate run beats every champion run.*--alpha 0\.0096 \(with this --max-bench-runs\) or --max-bench-runs 7 \(with this --alpha\)$/,
  },
  {
    name: 'codex-loop --max-bench-runs 2 at the default --alpha (can never promote)',
    argv: () => loop(...BENCH, '--max-bench-runs', '2'),
    line: /--alpha 0\.05 --max-bench-runs 2 can never promote: .*1\/6 at 2 runs\/side.*--max-bench-runs 4/,
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
    line: /can promote only if every candidate run beats every champion run/,
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
