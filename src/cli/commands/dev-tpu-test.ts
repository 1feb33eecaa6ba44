import type { CommandSpec } from '../command-spec.js';

export const devTpuTestCommand: CommandSpec = {
  name: 'dev-tpu-test',
  summary: 'sync the repository and run the test suites on every worker of the held TPU (or locally)',
  examples: [
    'gdnctl dev-tpu-test --cluster us-central1 --tpu-name "$USER-gdn" --tests both',
    'gdnctl dev-tpu-test --accelerator local --tests kernels --pytest-args "-x -k chunk" --json',
  ],
  handlesSignals: true,
  async run(ctx) {
    const { runDevTpuTest } = await import('../dev-tpu/run-tests.js');
    if (ctx.config.values.validation === 'dev-tpu') return runDevTpuTest(ctx);
    const { withValidation } = await import('../ray/validation.js');
    return withValidation(ctx, 'test', () => runDevTpuTest(ctx));
  },
};
