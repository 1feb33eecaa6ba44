import type { CommandSpec } from '../command-spec.js';

export const directivesListCommand: CommandSpec = {
  name: 'directives list',
  summary: 'list the session directive presets (packaged and from directivesDir) with their descriptions',
  examples: ['gdnctl directives list'],
  async run(ctx) {
    const { runDirectivesList } = await import('../directives/directives-list-action.js');
    return runDirectivesList(ctx);
  },
};
