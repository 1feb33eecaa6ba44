import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import type { LedgerRow } from '../../core/measure/leaderboard.js';
import { renderReportHtml } from '../../core/measure/report-html.js';
import { sparkline } from '../../core/measure/sparkline.js';
import { readJsonFile, resolveRunDir, type StateView } from './run-dirs.js';

export async function runReport(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  const logDir = resolve(ctx.config.repoRoot, v.logDir);
  const { runId, runDir } = resolveRunDir(logDir, ctx.args[0] || undefined);
  const rows = readJsonFile<{ rows: LedgerRow[] }>(join(runDir, 'ledger.json'))?.rows ?? [];
  const base = readJsonFile<{ median: number; metric: string; direction: 'higher' | 'lower' }>(join(runDir, 'baseline', 'baseline.json'));
  const state = readJsonFile<StateView>(join(runDir, 'state.json'));
  const usage = new Map<number, { tokens?: number; durationMs?: number }>();
  for (const c of state?.completed ?? []) {
    const t = c.tokens ? (c.tokens.inputTokens ?? 0) + (c.tokens.outputTokens ?? 0) : undefined;
    usage.set(c.iteration, { ...(t !== undefined ? { tokens: t } : {}), ...(c.durationMs !== undefined ? { durationMs: c.durationMs } : {}) });
  }
  const direction = base?.direction ?? v.direction;
  const metric = base?.metric ?? v.metric ?? 'metric';
  const html = renderReportHtml({ runId, metric, direction, baseline: base?.median, target: v.target, rows, usage, generatedAt: new Date().toISOString() });
  const file = join(runDir, 'report.html');
  await writeFile(file, html);
  const values = rows.map((r) => r.value);
  const kept = rows.filter((r) => !r.reverted).length;
  const promoted = rows.filter((r) => r.outcome === 'promoted').length;
  ctx.stdout.write(
    [
      `run ${runId}: ${rows.length} iterations, ${promoted} promoted, ${kept - promoted} kept within noise, ${rows.length - kept} reverted`,
      `  ${metric} (${direction} is better): ${sparkline(values)}${base ? `  baseline ${base.median}` : ''}`,
      `  report: ${file}`,
    ].join('\n') + '\n',
  );
  return ExitCode.ok;
}
