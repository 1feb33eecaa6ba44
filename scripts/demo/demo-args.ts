/** The `gdnctl codex-loop` command line of `npm run demo` (shared with the test that checks it still parses). */
export function demoLoopArgs(o: { serverUrl: string; model: string; codexBin: string }): string[] {
  return [
    'codex-loop',
    '--iterations', '3',
    '--model-server', o.serverUrl,
    '--model', o.model,
    '--reasoning-effort', 'low',
    '--codex-bin', o.codexBin,
    '--bench', 'node bench/pair-sums.bench.mjs',
    '--metric', 'ops_per_s',
    '--direction', 'higher',
    '--max-bench-runs', '10',
    // A shared 2-core box rarely holds a 5 % CV; the noise is recorded with the baseline and the sequential
    // test takes it into account, so the demo accepts it instead of refusing to start.
    '--accept-noise',
    '--post-check', 'node --test --test-reporter=spec test/pair-sums.test.mjs',
    '--post-check', 'gdnctl lint-log',
    '--post-check-policy', 'count-failure',
    '--no-commit-policy', 'count-failure',
    '--max-failures', '-1',
    '--sleep-seconds', '0',
  ];
}
