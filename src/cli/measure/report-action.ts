import { resolve } from 'node:path';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { writeReportFile } from './file-memory.js';
import { sparkline } from '../../core/measure/sparkline.js';
import { resolveRunDir } from './run-dirs.js';

export async function runReport(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  const logDir = resolve(ctx.config.repoRoot, v.logDir);
  const { runId, runDir } = resolveRunDir(logDir, ctx.args[0] || undefined);
  const r = await writeReportFile(runDir, { metric: v.metric, direction: v.direction, target: v.target });
  const kept = r.rows.filter((row) => !row.reverted).length;
  const promoted = r.rows.filter((row) => row.outcome === 'promoted').length;
  ctx.stdout.write(
    [
      `run ${runId}: ${r.rows.length} iterations, ${promoted} promoted, ${kept - promoted} kept within noise, ${r.rows.length - kept} reverted`,
      `  ${r.metric} (${r.direction} is better): ${sparkline(r.rows.map((row) => row.value))}${r.baseline !== undefined ? `  baseline ${r.baseline}` : ''}`,
      `  report: ${r.file}`,
    ].join('\n') + '\n',
  );
  return ExitCode.ok;
}
