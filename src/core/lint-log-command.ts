import type { CommandContext } from '../cli/command-spec.js';

// Placeholder wiring; the lint-log rules land in src/core/lint-log.ts.
export async function runLintLog(ctx: CommandContext): Promise<number> {
  ctx.stdout.write('lint-log: not implemented yet\n');
  return 1;
}
