import type { CommandSpec } from '../command-spec.js';

export const baselineCommand: CommandSpec = {
  name: 'baseline',
  summary: 'measure the benchmark N times at HEAD, refuse it when noisier than --cv-threshold-pct, store it for the loop',
  examples: ['gdnctl baseline --bench "python bench.py" --metric step_ms --direction lower'],
  async run(ctx) {
    const { runBaseline } = await import('../measure/baseline-action.js');
    return runBaseline(ctx);
  },
};
