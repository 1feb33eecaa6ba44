/**
 * report.html: one self-contained page. The charts are drawn at view time by Observable Plot, whose browser
 * bundle is inlined with the data (no network: a Content-Security-Policy forbids any fetch), so the page is the
 * same file on a laptop, in a CI artifact or attached to a ticket. Leaderboard and usage tables are plain HTML,
 * readable without scripts. renderReportHtml is pure and cheap: the loop calls it after every iteration.
 */
import type { ChartLibrary } from '../../ports/report-assets.js';
import { fmtMfu, hasMfu, iterName, rankBoard, rankingNote, standing, STATUS_WORDS, type LedgerRow } from './leaderboard.js';
import { chartData, type ChartData } from './report-chart.js';
import { REPORT_CLIENT_SCRIPT } from './report-client.js';
import { groupThousands } from '../text/plain-format.js';

export { championSeries } from './report-chart.js';

export interface ReportInput {
  runId: string;
  metric: string;
  direction: 'higher' | 'lower';
  baseline?: number | undefined;
  target?: number | undefined;
  rows: readonly LedgerRow[];
  /** The baseline's MFU (0..1), when known. */
  baselineMfu?: number | undefined;
  /** Per-iteration tokens and wall time (from state.json when the ledger lacks them). */
  usage: ReadonlyMap<number, { tokens?: number; durationMs?: number }>;
  generatedAt: string;
  /** The charting library to inline; without it the page has its tables and says why the charts are missing. */
  chart?: ChartLibrary | undefined;
  /** Commit subjects by sha, for the hover texts. */
  subjects?: ReadonlyMap<string, string> | undefined;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number): string => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

/**
 * MFU × step time, the run's constant (FLOPs per step / peak) when the rows carry an MFU for a step-time metric
 * (the only metric besides mfu they get one for, src/cli/measure/mfu-context.ts). Rows that disagree: undefined.
 */
export function mfuTimesStep(rows: readonly LedgerRow[]): number | undefined {
  const ks = rows.flatMap((r) => (r.mfu !== undefined && r.value !== undefined && r.value > 0 ? [r.mfu * r.value] : []));
  if (ks.length === 0 || ks.some((k) => Math.abs(k - ks[0]!) > 1e-6 * Math.abs(ks[0]!))) return undefined;
  return ks[0];
}

/** --target on the MFU chart, in %: the target itself for --metric mfu, else the target step time's MFU. */
export function mfuTarget(i: Pick<ReportInput, 'metric' | 'target' | 'rows'>): number | undefined {
  if (i.target === undefined) return undefined;
  if (i.metric === 'mfu') return i.target * 100;
  const k = mfuTimesStep(i.rows);
  return k === undefined || i.target <= 0 ? undefined : (k / i.target) * 100;
}

/** The charts: the metric always, the MFU in % of the chips' bf16 peak when any row or the baseline has one. */
export function reportCharts(i: ReportInput): ChartData[] {
  const charts = [
    chartData({
      id: 'trajectory',
      label: `${i.metric} (${i.direction} is better)`,
      name: i.metric,
      unit: 'value',
      rows: i.rows,
      valueOf: (r) => r.value,
      baseline: i.baseline,
      target: i.target,
      subjects: i.subjects,
    }),
  ];
  if (hasMfu(i.rows, i.baselineMfu)) {
    charts.push(
      chartData({
        id: 'mfu-trajectory',
        label: 'MFU (% of bf16 peak)',
        name: 'MFU',
        unit: 'percent',
        rows: i.rows,
        valueOf: (r) => (r.mfu === undefined ? undefined : r.mfu * 100),
        baseline: i.baselineMfu === undefined ? undefined : i.baselineMfu * 100,
        target: mfuTarget(i),
        subjects: i.subjects,
      }),
    );
  }
  return charts;
}

/** Emoji and word side by side: the word is what a browser without an emoji font shows. */
function statusCell(r: LedgerRow): string {
  const e = (emoji: string): string => `<span class="emoji" aria-hidden="true">${emoji}</span>`;
  const [emoji, word] = STATUS_WORDS[standing(r)].split(' ') as [string, string];
  const base = `${e(emoji)} ${word}`;
  return r.targetReached ? `${base}, ${e('🎯')} target reached` : base;
}

function leaderboardTable(i: ReportInput): string {
  const withMfu = hasMfu(i.rows, i.baselineMfu);
  const mfuTd = (m: number | undefined): string => (withMfu ? `<td class="mfu">${fmtMfu(m)}</td>` : '');
  const rows = rankBoard(i.rows, i).map(({ rank, row: r, withChampion }) => {
    if (r === 'baseline') return `<tr class="baseline"><td>${rank}</td><td>baseline</td><td>${esc(num(i.baseline!))}</td>${mfuTd(i.baselineMfu)}<td>—</td><td>—</td><td>Baseline</td></tr>`;
    const delta = r.value !== undefined && i.baseline ? `${(((r.value - i.baseline) / Math.abs(i.baseline)) * 100).toFixed(2)} %` : '—';
    const st = standing(r);
    const cls = `${st === 'champion' ? 'kept' : st}${withChampion ? ' with-champion' : ''}`;
    const rankCell = withChampion ? `<td title="ranks with the champion it did not beat">${rank} =</td>` : `<td>${rank}</td>`;
    return `<tr class="${cls}" data-iteration="${r.iteration}">${rankCell}<td>${iterName(r.iteration)}-${esc(r.slug)}</td><td>${r.value === undefined ? '—' : esc(num(r.value))}</td>${mfuTd(r.mfu)}<td>${delta}</td><td>${esc(r.strategy)} <small>(${esc(r.outcome)})</small></td><td class="status">${statusCell(r)}</td></tr>`;
  });
  return `<p class="note" id="ranking-note">${esc(rankingNote(i.rows))}</p>
<table id="leaderboard"><thead><tr><th>Rank</th><th>Iteration</th><th>Result</th>${withMfu ? '<th>MFU</th>' : ''}<th>Δ vs baseline</th><th>Strategy</th><th>Status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function usageTable(i: ReportInput): string {
  const rows = i.rows.map((r) => {
    const u = i.usage.get(r.iteration) ?? {};
    const tokens = r.tokens ?? u.tokens;
    const ms = r.durationMs ?? u.durationMs;
    return `<tr><td>${iterName(r.iteration)}</td><td>${tokens === undefined ? '—' : groupThousands(tokens)}</td><td>${ms === undefined ? '—' : (ms / 60000).toFixed(1)}</td><td>${r.runs ?? '—'}</td><td>${esc(r.reason)}</td></tr>`;
  });
  return `<table id="iterations"><thead><tr><th>Iteration</th><th>Tokens</th><th>Minutes</th><th>Bench runs</th><th>Decision</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** JSON inside <script>: no "</script>" or "<!--" can end or bend the element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const escapeCode = (code: string): string => code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
/** The library's escaped text, once per library object: it is ~0.5 MB and the same every iteration. */
const escapedLibraries = new WeakMap<ChartLibrary, string>();
function scriptCode(lib: ChartLibrary): string {
  let code = escapedLibraries.get(lib);
  if (code === undefined) escapedLibraries.set(lib, (code = escapeCode(lib.code)));
  return code;
}

const LEGEND =
  '<div class="legend"><span class="c-champion">━ champion</span><span class="c-baseline">● baseline</span><span class="c-promoted">● promoted</span>' +
  '<span class="c-kept">○ kept within noise</span><span class="c-explored">◇ explored</span><span class="c-reverted">✕ reverted</span><span class="c-reverted">┆ reverted, not measured</span><span class="c-target">┅ target</span></div>';

function chartHost(c: ChartData, lib: ChartLibrary | undefined): string {
  const fallback = lib ? '' : 'Chart not drawn: the charting library (@observablehq/plot) is not installed with gdnctl; the tables below have every value.';
  return `<div id="${c.id}" class="chart" data-log="${c.log}" aria-label="${esc(c.label)} per iteration">${fallback}</div>`;
}

/** The page in three parts: before the library, the library and the page's script, after them. */
function pageParts(i: ReportInput): [string, string, string] {
  const charts = reportCharts(i);
  const [trajectory, mfu] = charts;
  return [
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>gdnctl run ${esc(i.runId)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d232a;background:#fff}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.meta,.note{color:#5b6670} .chart{min-height:40px;max-width:760px}
table{border-collapse:collapse;margin-top:4px} th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left} th{background:#f6f8fa}
tr.reverted td{color:#8c959f} tr.explored td{color:#6e40c9} tr.with-champion td:first-child{color:#5b6670} .legend span{margin-right:16px}
.no-emoji .emoji{display:none} .c-champion,.c-baseline{color:#1f6feb} .c-promoted,.c-kept{color:#1a7f37} .c-explored{color:#8250df} .c-reverted{color:#cf222e} .c-target{color:#bf8700}
</style></head><body>
<h1>gdnctl run ${esc(i.runId)}</h1>
<div class="meta">${esc(i.metric)}, ${i.direction} is better${i.baseline !== undefined ? ` · baseline ${esc(num(i.baseline))}` : ''}${i.target !== undefined ? ` · target ${esc(num(i.target))}` : ''} · generated ${esc(i.generatedAt)}${i.chart ? ` · charts by ${esc(i.chart.label)}` : ''}</div>
<h2>Trajectory</h2>
${LEGEND}
${chartHost(trajectory!, i.chart)}
${mfu ? `<h2>MFU</h2>\n${chartHost(mfu, i.chart)}\n${mfu.target !== undefined ? `<div class="legend"><span class="c-target">┅ target ${esc(fmtMfu(mfu.target / 100))}</span></div>\n` : ''}` : ''}<h2>Leaderboard</h2>
${leaderboardTable(i)}
<h2>Tokens and time per iteration</h2>
${usageTable(i)}
<script type="application/json" id="report-data">${scriptJson({ charts })}</script>
`,
    i.chart ? `<script>${scriptCode(i.chart)}</script>\n<script>${REPORT_CLIENT_SCRIPT}</script>\n` : '',
    '</body></html>\n',
  ];
}

export function renderReportHtml(i: ReportInput): string {
  return pageParts(i).join('');
}

/**
 * The page with the run's data redacted and the inlined code left alone: the library comes from node_modules
 * and holds no secret, but an 8-character secret value that happens to occur in it ("function", say) must not
 * turn the bundle into broken JavaScript; and the redactor skips ~0.5 MB per iteration.
 */
export function renderRedactedReportHtml(i: ReportInput, redact: (text: string) => string): string {
  const [before, code, after] = pageParts(i);
  return redact(before) + code + redact(after);
}
