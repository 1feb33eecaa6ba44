import type { CommandContext } from '../cli/command-spec.js';

export async function runDirectivesList(ctx: CommandContext): Promise<number> {
  ctx.stdout.write('directives: not implemented yet\n');
  return 1;
}
