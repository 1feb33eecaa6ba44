import type { CommandSpec } from '../command-spec.js';

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: 'write report.html for a run (metric trajectory, leaderboard, tokens and time) and print a summary',
  examples: ['gdnctl report', 'gdnctl report 20261123-101500-a1b2'],
  args: ['[run-id]'],
  async run(ctx) {
    const { runReport } = await import('../measure/report-action.js');
    return runReport(ctx);
  },
};
