import { resolve } from 'node:path';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { writeReportFile } from './file-memory.js';
import { sparkline } from '../../core/measure/sparkline.js';
import { iterationSpan, readExperimentView, resolveRunDir } from './run-dirs.js';

export async function runReport(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  const logDir = resolve(ctx.config.repoRoot, v.logDir);
  const { runId, runDir } = resolveRunDir(logDir, ctx.args[0] || undefined);
  const r = await writeReportFile(runDir, { metric: v.metric, direction: v.direction, target: v.target }, undefined, ctx.config.repoRoot);
  const kept = r.rows.filter((row) => !row.reverted).length;
  const promoted = r.rows.filter((row) => row.outcome === 'promoted').length;
  ctx.stdout.write(
    [
      `run ${runId}: ${r.rows.length} iterations, ${promoted} promoted, ${kept - promoted} kept within noise, ${r.rows.length - kept} reverted`,
      `  ${r.metric} (${r.direction} is better): ${sparkline(r.rows.map((row) => row.value))}${r.baseline !== undefined ? `  baseline ${r.baseline}` : ''}`,
      ...experimentLine(logDir, runDir),
      `  report: ${r.file}`,
    ].join('\n') + '\n',
  );
  return ExitCode.ok;
}

/** The rows above span the experiment (a continuing run starts with the earlier runs' rows); name its runs. */
function experimentLine(logDir: string, runDir: string): string[] {
  const e = readExperimentView(logDir, runDir);
  return e ? [`  experiment ${e.id}: ${e.runs.map((r) => `run ${r.runId} (${r.status}, ${iterationSpan(r)})`).join(', ')}`] : [];
}
