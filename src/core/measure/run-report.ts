/**
 * runs/<id>/report.html from ledger.json, baseline.json and the loop's state.json (tokens, time per iteration).
 * Written after every recorded iteration and by `gdnctl report`. A missing or unreadable source file leaves its
 * part of the page empty rather than failing: the report is read by people, after the fact.
 * The page is rendered with its data, then redacted, so the inlined library passes the redactor too (a plain
 * string search, ~1 ms for the ~0.5 MB page).
 */
import { basename, join } from 'node:path';
import type { RunFiles } from '../../ports/bench.js';
import type { ReportAssets } from '../../ports/report-assets.js';
import type { LedgerRow } from './leaderboard.js';
import { renderReportHtml } from './report-html.js';

interface StateUsage {
  completed?: Array<{ iteration: number; durationMs?: number; tokens?: { inputTokens?: number; outputTokens?: number } }>;
}

export interface RunReport {
  file: string;
  rows: LedgerRow[];
  metric: string;
  direction: 'higher' | 'lower';
  baseline?: number;
}

async function readJsonLenient<T>(files: RunFiles, file: string): Promise<T | undefined> {
  const text = await files.read(file).catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export async function writeRunReport(
  files: RunFiles,
  runDir: string,
  fallback: { metric?: string | undefined; direction: 'higher' | 'lower'; target?: number | undefined },
  /** ledger.json's rows when the caller holds them already (saves re-reading a long run's ledger). */
  knownRows?: LedgerRow[],
  now: () => Date = () => new Date(),
  /** The run's redactor: rows quote agent reports and failure details verbatim. */
  redact: (text: string) => string = (s) => s,
  /** The charting library to inline and the commit-subject lookup (adapters read both). */
  assets: ReportAssets = {},
): Promise<RunReport> {
  const rows = knownRows ?? (await readJsonLenient<{ rows: LedgerRow[] }>(files, join(runDir, 'ledger.json')))?.rows ?? [];
  const base = await readJsonLenient<{ median: number; metric: string; direction: 'higher' | 'lower' }>(files, join(runDir, 'baseline', 'baseline.json'));
  const usage = new Map<number, { tokens?: number; durationMs?: number }>();
  for (const c of (await readJsonLenient<StateUsage>(files, join(runDir, 'state.json')))?.completed ?? []) {
    const t = c.tokens ? (c.tokens.inputTokens ?? 0) + (c.tokens.outputTokens ?? 0) : undefined;
    usage.set(c.iteration, { ...(t !== undefined ? { tokens: t } : {}), ...(c.durationMs !== undefined ? { durationMs: c.durationMs } : {}) });
  }
  const direction = base?.direction ?? fallback.direction;
  const metric = base?.metric ?? fallback.metric ?? 'metric';
  // The baseline's MFU is its median when the metric is mfu; for a step time the rows carry theirs (ledger.json).
  const baselineMfu = metric === 'mfu' ? base?.median : undefined;
  const shas = rows.flatMap((r) => (r.commit ? [r.commit] : []));
  const subjects = assets.commitSubjects && shas.length > 0 ? await assets.commitSubjects(shas).catch(() => undefined) : undefined;
  const html = renderReportHtml({
    runId: basename(runDir), metric, direction, baseline: base?.median, baselineMfu, target: fallback.target, rows, usage, generatedAt: now().toISOString(), chart: assets.chart, subjects,
  });
  const file = join(runDir, 'report.html');
  await files.write(file, redact(html));
  return { file, rows, metric, direction, ...(base ? { baseline: base.median } : {}) };
}
