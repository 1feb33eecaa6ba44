import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { listPresets } from '../../adapters/directive-presets.js';

/** `gdnctl directives list`: one line per preset — name, source, description — then where they came from. */
export async function runDirectivesList(ctx: CommandContext): Promise<number> {
  const userDir = ctx.config.values.directivesDir;
  const presets = await listPresets(userDir);
  const width = Math.max(4, ...presets.map((p) => p.name.length));
  for (const p of presets) {
    ctx.stdout.write(`${p.name.padEnd(width)}  ${p.source.padEnd(8)}  ${p.description || '(empty: the loop refuses it)'}\n`);
  }
  ctx.log.debug({ userDir, count: presets.length }, 'directive presets listed');
  if (presets.length === 0) ctx.stderr.write('no directive presets found\n');
  return ExitCode.ok;
}
