/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no network) with the metric trajectory,
 * the champion line, kept/reverted markers, the leaderboard and tokens/time per iteration.
 */
import { fmtMfu, hasMfu, iterName, rankRows, statusMark, type LedgerRow } from './leaderboard.js';

// Status cells carry words next to the emoji: headless and server fonts often lack emoji glyphs.

export interface ReportInput {
  runId: string;
  metric: string;
  direction: 'higher' | 'lower';
  baseline?: number;
  target?: number;
  rows: readonly LedgerRow[];
  /** The baseline's MFU (0..1), when known. */
  baselineMfu?: number | undefined;
  /** Per-iteration tokens and wall time (from state.json when the ledger lacks them). */
  usage: ReadonlyMap<number, { tokens?: number; durationMs?: number }>;
  generatedAt: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number): string => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

/** The champion value after each iteration: starts at the baseline, moves only on promotions. */
export function championSeries(rows: readonly LedgerRow[], baseline: number | undefined): Array<{ iteration: number; value: number }> {
  const out: Array<{ iteration: number; value: number }> = [];
  let cur = baseline;
  if (cur !== undefined) out.push({ iteration: 0, value: cur });
  for (const r of rows) {
    if (r.outcome === 'promoted' && r.value !== undefined) cur = r.value;
    if (cur !== undefined) out.push({ iteration: r.iteration, value: cur });
  }
  return out;
}

interface ChartSpec {
  id: string;
  label: string;
  /** The measured points: a row and its y value. */
  points: ReadonlyArray<{ row: LedgerRow; y: number }>;
  champion: ReadonlyArray<{ iteration: number; value: number }>;
  baseline?: number | undefined;
  target?: number | undefined;
  targetId: string;
  championId: string;
  maxIter: number;
  fmt: (y: number) => string;
}

function chartSvg(c: ChartSpec): string {
  const W = 760;
  const H = 300;
  const pad = { l: 64, r: 20, t: 20, b: 40 };
  const ys = [...c.points.map((p) => p.y), ...(c.baseline !== undefined ? [c.baseline] : []), ...(c.target !== undefined ? [c.target] : [])];
  let lo = ys.length ? Math.min(...ys) : 0;
  let hi = ys.length ? Math.max(...ys) : 1;
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const span = hi - lo;
  lo -= span * 0.08;
  hi += span * 0.08;
  const x = (it: number): number => pad.l + (it / c.maxIter) * (W - pad.l - pad.r);
  const y = (v: number): number => pad.t + (1 - (v - lo) / (hi - lo)) * (H - pad.t - pad.b);
  const parts: string[] = [];
  parts.push(`<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" class="axis"/>`);
  parts.push(`<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" class="axis"/>`);
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    parts.push(`<text x="${pad.l - 6}" y="${y(v) + 4}" class="tick" text-anchor="end">${esc(c.fmt(v))}</text>`);
  }
  for (let it = 0; it <= c.maxIter; it++) parts.push(`<text x="${x(it)}" y="${H - pad.b + 16}" class="tick" text-anchor="middle">${it}</text>`);
  parts.push(`<text x="${(W + pad.l) / 2}" y="${H - 4}" class="label" text-anchor="middle">iteration</text>`);
  parts.push(`<text x="14" y="${H / 2}" class="label" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${esc(c.label)}</text>`);
  if (c.target !== undefined) parts.push(`<line id="${c.targetId}" x1="${pad.l}" x2="${W - pad.r}" y1="${y(c.target)}" y2="${y(c.target)}" class="target"><title>target ${esc(c.fmt(c.target))}</title></line>`);
  if (c.champion.length > 0) {
    const pts: string[] = [];
    c.champion.forEach((p, k) => {
      if (k > 0) pts.push(`${x(p.iteration)},${y(c.champion[k - 1]!.value)}`);
      pts.push(`${x(p.iteration)},${y(p.value)}`);
    });
    parts.push(`<polyline id="${c.championId}" points="${pts.join(' ')}" class="champion"/>`);
  }
  if (c.baseline !== undefined) parts.push(`<circle class="point baseline" data-iteration="0" cx="${x(0)}" cy="${y(c.baseline)}" r="5"><title>baseline ${esc(c.fmt(c.baseline))}</title></circle>`);
  for (const { row: r, y: v } of c.points) {
    const cx = x(r.iteration);
    const cy = y(v);
    const title = `<title>${iterName(r.iteration)}${r.candidate ? ` (${r.candidate})` : ''} ${esc(r.strategy)}: ${esc(c.fmt(v))} — ${esc(r.outcome)}</title>`;
    if (r.reverted) {
      parts.push(`<g class="point marker-reverted" data-iteration="${r.iteration}" data-outcome="${r.outcome}">${title}<line x1="${cx - 6}" y1="${cy - 6}" x2="${cx + 6}" y2="${cy + 6}"/><line x1="${cx - 6}" y1="${cy + 6}" x2="${cx + 6}" y2="${cy - 6}"/></g>`);
    } else {
      parts.push(`<circle class="point marker-kept${r.outcome === 'promoted' ? ' promoted' : ''}" data-iteration="${r.iteration}" data-outcome="${r.outcome}" cx="${cx}" cy="${cy}" r="6">${title}</circle>`);
    }
  }
  return `<svg id="${c.id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(c.label)} per iteration">${parts.join('')}</svg>`;
}

const maxIteration = (i: ReportInput): number => Math.max(1, ...i.rows.map((r) => r.iteration));

function trajectorySvg(i: ReportInput): string {
  return chartSvg({
    id: 'trajectory',
    label: `${i.metric} (${i.direction} is better)`,
    points: i.rows.filter((r) => r.value !== undefined).map((row) => ({ row, y: row.value! })),
    champion: championSeries(i.rows, i.baseline),
    baseline: i.baseline,
    target: i.target,
    targetId: 'target-line',
    championId: 'champion-line',
    maxIter: maxIteration(i),
    fmt: num,
  });
}

/** The champion's MFU after each iteration (in %): the baseline's, then each promotion's. */
function mfuChampionSeries(rows: readonly LedgerRow[], baselineMfu: number | undefined): Array<{ iteration: number; value: number }> {
  const out: Array<{ iteration: number; value: number }> = [];
  let cur = baselineMfu === undefined ? undefined : baselineMfu * 100;
  if (cur !== undefined) out.push({ iteration: 0, value: cur });
  for (const r of rows) {
    if (r.outcome === 'promoted' && r.mfu !== undefined) cur = r.mfu * 100;
    if (cur !== undefined) out.push({ iteration: r.iteration, value: cur });
  }
  return out;
}

/** The MFU trajectory in % of the chips' bf16 peak, with --target when the metric is mfu itself. */
function mfuSvg(i: ReportInput): string {
  return chartSvg({
    id: 'mfu-trajectory',
    label: 'MFU (% of bf16 peak)',
    points: i.rows.filter((r) => r.mfu !== undefined).map((row) => ({ row, y: row.mfu! * 100 })),
    champion: mfuChampionSeries(i.rows, i.baselineMfu),
    baseline: i.baselineMfu === undefined ? undefined : i.baselineMfu * 100,
    target: i.metric === 'mfu' && i.target !== undefined ? i.target * 100 : undefined,
    targetId: 'mfu-target-line',
    championId: 'mfu-champion-line',
    maxIter: maxIteration(i),
    fmt: (v) => `${v.toFixed(1)} %`,
  });
}

function leaderboardTable(i: ReportInput): string {
  const withMfu = hasMfu(i.rows, i.baselineMfu);
  const mfuTd = (m: number | undefined): string => (withMfu ? `<td class="mfu">${fmtMfu(m)}</td>` : '');
  const rows = rankRows(i.rows, i).map((r, k) => {
    if (r === 'baseline') return `<tr class="baseline"><td>${k + 1}</td><td>baseline</td><td>${esc(num(i.baseline!))}</td>${mfuTd(i.baselineMfu)}<td>—</td><td>—</td><td>Baseline</td></tr>`;
    const delta = r.value !== undefined && i.baseline ? `${(((r.value - i.baseline) / Math.abs(i.baseline)) * 100).toFixed(2)} %` : '—';
    return `<tr class="${r.reverted ? 'reverted' : 'kept'}"><td>${k + 1}</td><td>${iterName(r.iteration)}-${esc(r.slug)}</td><td>${r.value === undefined ? '—' : esc(num(r.value))}</td>${mfuTd(r.mfu)}<td>${delta}</td><td>${esc(r.strategy)} <small>(${esc(r.outcome)})</small></td><td>${statusMark(r)} ${r.reverted ? 'reverted' : 'kept'}${r.targetReached ? ', target reached' : ''}</td></tr>`;
  });
  return `<table id="leaderboard"><thead><tr><th>Rank</th><th>Iteration</th><th>Result</th>${withMfu ? '<th>MFU</th>' : ''}<th>Δ vs baseline</th><th>Strategy</th><th>Status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function usageTable(i: ReportInput): string {
  const rows = i.rows.map((r) => {
    const u = i.usage.get(r.iteration) ?? {};
    const tokens = r.tokens ?? u.tokens;
    const ms = r.durationMs ?? u.durationMs;
    return `<tr><td>${iterName(r.iteration)}</td><td>${tokens === undefined ? '—' : tokens.toLocaleString('en-US')}</td><td>${ms === undefined ? '—' : (ms / 60000).toFixed(1)}</td><td>${r.runs ?? '—'}</td><td>${esc(r.reason)}</td></tr>`;
  });
  return `<table id="iterations"><thead><tr><th>Iteration</th><th>Tokens</th><th>Minutes</th><th>Bench runs</th><th>Decision</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderReportHtml(i: ReportInput): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gdnctl run ${esc(i.runId)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d232a;background:#fff}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.meta{color:#5b6670}
svg .axis{stroke:#5b6670;stroke-width:1} svg .tick{font-size:11px;fill:#5b6670} svg .label{font-size:12px;fill:#1d232a}
svg .champion{fill:none;stroke:#1f6feb;stroke-width:2.5} svg .target{stroke:#bf8700;stroke-dasharray:6 4;stroke-width:1.5}
svg .marker-kept{fill:#1a7f37} svg .marker-kept.promoted{fill:#1a7f37;stroke:#0b3d1a;stroke-width:2}
svg .marker-reverted line{stroke:#cf222e;stroke-width:3} svg .baseline{fill:#1f6feb}
table{border-collapse:collapse;margin-top:4px} th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left} th{background:#f6f8fa}
tr.reverted td{color:#8c959f} .legend span{margin-right:16px}
</style></head><body>
<h1>gdnctl run ${esc(i.runId)}</h1>
<div class="meta">${esc(i.metric)}, ${i.direction} is better${i.baseline !== undefined ? ` · baseline ${esc(num(i.baseline))}` : ''}${i.target !== undefined ? ` · target ${esc(num(i.target))}` : ''} · generated ${esc(i.generatedAt)}</div>
<h2>Trajectory</h2>
<div class="legend"><span style="color:#1f6feb">━ champion</span><span style="color:#1a7f37">● kept</span><span style="color:#cf222e">✕ reverted</span>${i.target !== undefined ? '<span style="color:#bf8700">┅ target</span>' : ''}</div>
${trajectorySvg(i)}
${hasMfu(i.rows, i.baselineMfu) ? `<h2>MFU</h2>\n<div class="legend"><span style="color:#1f6feb">━ champion</span>${i.metric === 'mfu' && i.target !== undefined ? `<span style="color:#bf8700">┅ target ${esc(fmtMfu(i.target))}</span>` : ''}</div>\n${mfuSvg(i)}\n` : ''}<h2>Leaderboard</h2>
${leaderboardTable(i)}
<h2>Tokens and time per iteration</h2>
${usageTable(i)}
</body></html>
`;
}
