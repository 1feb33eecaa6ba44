import type { CommandSpec } from '../command-spec.js';

export const rayWaitCommand: CommandSpec = {
  name: 'ray-wait',
  summary: 'follow a Ray job to its end and exit with its outcome (0 succeeded, 1 failed, 4 could not start)',
  examples: ['gdnctl ray-wait gdnctl-test-20261201T120000Z-a1b2c3 --cluster team --show-logs --timeout 1800'],
  args: ['<submission-id>'],
  handlesSignals: true,
  async run(ctx) {
    const { runRayWait } = await import('../ray/ray-wait.js');
    return runRayWait(ctx);
  },
};

export const rayLogsCommand: CommandSpec = {
  name: 'ray-logs',
  summary: 'print a Ray job\'s logs so far (the last --tail lines, --grep to filter)',
  examples: ['gdnctl ray-logs gdnctl-test-20261201T120000Z-a1b2c3 --cluster team --tail 100 --grep FAILED'],
  args: ['<submission-id>'],
  async run(ctx) {
    const { runRayLogs } = await import('../ray/ray-wait.js');
    return runRayLogs(ctx);
  },
};
