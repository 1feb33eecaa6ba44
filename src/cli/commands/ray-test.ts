import type { CommandSpec } from '../command-spec.js';

export const rayTestCommand: CommandSpec = {
  name: 'ray-test',
  summary: 'run the test suites as a Ray job on a shared cluster (the working tree is the job\'s working_dir)',
  examples: [
    'gdnctl ray-test --ray-address http://ray-head:8265 --tests both',
    'gdnctl ray-test --cluster team --tpu v5p-8 --tests kernels --pytest-args "-x" --no-wait',
  ],
  handlesSignals: true,
  async run(ctx) {
    const { runRayTest } = await import('../ray/ray-test.js');
    return runRayTest(ctx);
  },
};
