import type { CommandSpec } from '../command-spec.js';

export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'show a running or finished run: iteration, phase, champion, failures, TPU (newest run by default)',
  examples: ['gdnctl status', 'gdnctl status 20261123-101500-a1b2'],
  args: ['[run-id]'],
  async run(ctx) {
    const { runStatus } = await import('../measure/status-action.js');
    return runStatus(ctx);
  },
};
