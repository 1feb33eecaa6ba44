import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LedgerRow } from '../../core/measure/leaderboard.js';
import { renderReportHtml } from '../../core/measure/report-html.js';
import { writePrivate } from './private-files.js';

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

interface StateUsage {
  completed?: Array<{ iteration: number; durationMs?: number; tokens?: { inputTokens?: number; outputTokens?: number } }>;
}

export interface ReportFileResult {
  file: string;
  rows: LedgerRow[];
  metric: string;
  direction: 'higher' | 'lower';
  baseline?: number;
}

/** Write runs/<id>/report.html from ledger.json, baseline.json and the loop's state.json (tokens, time). */
export async function writeReportFile(
  runDir: string,
  fallback: { metric?: string | undefined; direction: 'higher' | 'lower'; target?: number | undefined },
  /** ledger.json's rows when the caller holds them already (saves re-reading a long run's ledger). */
  knownRows?: LedgerRow[],
): Promise<ReportFileResult> {
  const rows = knownRows ?? readJson<{ rows: LedgerRow[] }>(join(runDir, 'ledger.json'))?.rows ?? [];
  const base = readJson<{ median: number; metric: string; direction: 'higher' | 'lower' }>(join(runDir, 'baseline', 'baseline.json'));
  const usage = new Map<number, { tokens?: number; durationMs?: number }>();
  for (const c of readJson<StateUsage>(join(runDir, 'state.json'))?.completed ?? []) {
    const t = c.tokens ? (c.tokens.inputTokens ?? 0) + (c.tokens.outputTokens ?? 0) : undefined;
    usage.set(c.iteration, { ...(t !== undefined ? { tokens: t } : {}), ...(c.durationMs !== undefined ? { durationMs: c.durationMs } : {}) });
  }
  const direction = base?.direction ?? fallback.direction;
  const metric = base?.metric ?? fallback.metric ?? 'metric';
  const html = renderReportHtml({ runId: basename(runDir), metric, direction, baseline: base?.median, target: fallback.target, rows, usage, generatedAt: new Date().toISOString() });
  const file = join(runDir, 'report.html');
  await writePrivate(file, html);
  return { file, rows, metric, direction, ...(base ? { baseline: base.median } : {}) };
}
