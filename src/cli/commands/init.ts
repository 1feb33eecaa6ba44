import type { CommandSpec } from '../command-spec.js';

export const initCommand: CommandSpec = {
  name: 'init',
  summary: 'ask for goal, scope, metric, a numeric target and the test and benchmark commands; check both run; write gdnctl.yaml',
  examples: [
    'gdnctl init',
    'gdnctl init --yes --goal "faster chunked GDN forward" --metric step_ms --direction lower --target 80 --min-improvement-pct 2 --post-check "pytest -q tests/gdn" --bench "python bench/gdn.py"',
  ],
  async run(ctx) {
    const { runInit } = await import('../measure/init-action.js');
    return runInit(ctx);
  },
};
