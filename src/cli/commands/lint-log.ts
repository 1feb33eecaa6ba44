import type { CommandSpec } from '../command-spec.js';

export const lintLogCommand: CommandSpec = {
  name: 'lint-log',
  summary: 'check the hill-climb log: placeholders, heading order, required fields, commits that exist',
  examples: ['gdnctl lint-log --scope all --json'],
  async run(ctx) {
    const { runLintLog } = await import('../lint-log/lint-log-action.js');
    return runLintLog(ctx);
  },
};
