/**
 * runs/<id>/report.html from ledger.json, baseline.json and the loop's state.json (tokens, time per iteration).
 * Written after every recorded iteration and by `gdnctl report`. A missing or unreadable source file leaves its
 * part of the page empty rather than failing: the report is read by people, after the fact.
 * The run's data in the page is redacted; the inlined library is not (renderRedactedReportHtml says why).
 */
import { basename, join } from 'node:path';
import type { RunFiles } from '../../ports/bench.js';
import type { ReportAssets } from '../../ports/report-assets.js';
import type { LedgerRow } from './leaderboard.js';
import { mfuTimesStep, renderRedactedReportHtml } from './report-html.js';
import { COMPLETED_LOG, withCompletedLog } from '../text/completed-log.js';

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
  const state = await readJsonLenient<StateUsage>(files, join(runDir, 'state.json'));
  const logged = (state as { completedLog?: unknown } | undefined)?.completedLog === true ? await files.read(join(runDir, COMPLETED_LOG)).catch(() => undefined) : undefined;
  for (const c of withCompletedLog(state, logged)?.completed ?? []) {
    const t = c.tokens ? (c.tokens.inputTokens ?? 0) + (c.tokens.outputTokens ?? 0) : undefined;
    usage.set(c.iteration, { ...(t !== undefined ? { tokens: t } : {}), ...(c.durationMs !== undefined ? { durationMs: c.durationMs } : {}) });
  }
  const direction = base?.direction ?? fallback.direction;
  const metric = base?.metric ?? fallback.metric ?? 'metric';
  // The baseline's MFU is its median when the metric is mfu; for a step time, from the rows' MFU × step time.
  const k = metric === 'mfu' || base === undefined || base.median <= 0 ? undefined : mfuTimesStep(rows);
  const baselineMfu = metric === 'mfu' ? base?.median : k === undefined ? undefined : k / base!.median;
  const shas = rows.flatMap((r) => (r.commit ? [r.commit] : []));
  const found = assets.commitSubjects && shas.length > 0 ? await assets.commitSubjects(shas).catch(() => undefined) : undefined;
  // Redacted before rendering too: HTML and JSON escaping (&lt;, \u003c) would hide a secret's spelling from the
  // redactor that runs over the page.
  const subjects = found && new Map([...found].map(([sha, s]) => [sha, redact(s)]));
  const shown = rows.map((r) => ({ ...r, strategy: redact(r.strategy), reason: redact(r.reason), slug: redact(r.slug) }));
  const html = renderRedactedReportHtml({
    runId: basename(runDir), metric, direction, baseline: base?.median, baselineMfu, target: fallback.target, rows: shown, usage, generatedAt: now().toISOString(), chart: assets.chart, subjects,
  }, redact);
  const file = join(runDir, 'report.html');
  await files.write(file, html);
  return { file, rows, metric, direction, ...(base ? { baseline: base.median } : {}) };
}
