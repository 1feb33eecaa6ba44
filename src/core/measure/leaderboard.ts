/**
 * The run's ledger rows and their markdown renderings (auto-optimize's leaderboard format:
 * | Rank | Iteration | Result | Delta | Strategy | Status | with the baseline as its own ranked row).
 */
import type { MeasureOutcome } from '../../ports/bench.js';
import { iterName } from '../text/iteration-name.js';

export interface LedgerRow {
  iteration: number;
  slug: string;
  strategy: string;
  /** Candidate median; absent when no metric was measured (failed post-check, no metric). */
  value?: number;
  /** Against the champion of that decision, % (positive = better). */
  deltaPct?: number;
  /** The decision, or the loop's outcome when nothing was measured. */
  outcome: MeasureOutcome | 'failed' | 'kept' | 'no-change';
  reverted: boolean;
  targetReached: boolean;
  reason: string;
  commit?: string;
  tokens?: number;
  durationMs?: number;
  runs?: number;
  /** Model FLOPs utilisation of the candidate (0..1), when the metric is mfu or a step time with known FLOPs. */
  mfu?: number;
  /** --parallel: the candidate's round and slot, `r<round>-c<slot>`. */
  candidate?: string;
}

export interface BoardContext {
  direction: 'higher' | 'lower';
  baseline?: number;
  title: string;
  date: string;
  /** The baseline's MFU (0..1), for the MFU column. */
  baselineMfu?: number;
}

/** The MFU column appears once any row (or the baseline) has an MFU. */
export function hasMfu(rows: readonly LedgerRow[], baselineMfu?: number): boolean {
  return baselineMfu !== undefined || rows.some((r) => r.mfu !== undefined);
}

export function fmtMfu(mfu: number | undefined): string {
  return mfu === undefined ? '—' : `${(mfu * 100).toFixed(1)} %`;
}

export function kebab(text: string, max = 40): string {
  const s = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return s || 'iteration';
}

export { iterName };

export function statusMark(r: LedgerRow): string {
  const base = r.reverted ? '❌' : '✅';
  return r.targetReached ? `${base} 🎯` : base;
}

function fmtNum(x: number): string {
  return Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
}

function fmtDelta(value: number, baseline: number | undefined): string {
  if (baseline === undefined || baseline === 0) return '—';
  const abs = value - baseline;
  const pct = (abs / Math.abs(baseline)) * 100;
  const sign = abs >= 0 ? '+' : '−';
  return `${sign}${fmtNum(Math.abs(abs))} (${sign}${Math.abs(pct).toFixed(1)} %)`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Ranked best first in the metric's direction; rows without a value sink to the bottom in iteration order. */
export function rankRows(rows: readonly LedgerRow[], ctx: Pick<BoardContext, 'direction' | 'baseline'>): Array<LedgerRow | 'baseline'> {
  const measured: Array<{ key: number; row: LedgerRow | 'baseline' }> = [];
  const unmeasured: LedgerRow[] = [];
  for (const r of rows) (r.value === undefined ? unmeasured.push(r) : measured.push({ key: r.value, row: r }));
  if (ctx.baseline !== undefined) measured.push({ key: ctx.baseline, row: 'baseline' });
  const sign = ctx.direction === 'higher' ? -1 : 1;
  measured.sort((a, b) => sign * (a.key - b.key) || (a.row === 'baseline' ? 1 : b.row === 'baseline' ? -1 : 0));
  return [...measured.map((m) => m.row), ...unmeasured];
}

export function renderLeaderboard(rows: readonly LedgerRow[], ctx: BoardContext): string {
  const withMfu = hasMfu(rows, ctx.baselineMfu);
  const mfuCell = (m: number | undefined): string => (withMfu ? ` ${fmtMfu(m)} |` : '');
  const lines = [
    `# Experiment Leaderboard: ${ctx.title}`,
    `Last updated: ${ctx.date}`,
    '',
    `Metric direction: ${ctx.direction} is better. Delta is against the baseline; status ✅ kept, ❌ reverted, 🎯 target reached.${withMfu ? ' MFU is against the chips\' bf16 peak.' : ''}`,
    '',
    `| Rank | Iteration | Result |${withMfu ? ' MFU |' : ''} Delta | Strategy | Status |`,
    `|------|-----------|--------|${withMfu ? '-----|' : ''}-------|----------|--------|`,
  ];
  rankRows(rows, ctx).forEach((r, i) => {
    if (r === 'baseline') {
      lines.push(`| ${i + 1} | baseline | ${fmtNum(ctx.baseline!)} |${mfuCell(ctx.baselineMfu)} — | — | Baseline |`);
      return;
    }
    const result = r.value === undefined ? '—' : fmtNum(r.value);
    const delta = r.value === undefined ? '—' : fmtDelta(r.value, ctx.baseline);
    const strategy = r.value === undefined ? `${r.strategy} (${r.outcome}: ${r.reason})` : `${r.strategy} (${r.outcome})`;
    const name = `${iterName(r.iteration)}-${r.slug}${r.candidate ? ` (${r.candidate})` : ''}`;
    lines.push(`| ${i + 1} | ${name} | ${result} |${mfuCell(r.mfu)} ${delta} | ${cell(strategy)} | ${statusMark(r)} |`);
  });
  return lines.join('\n') + '\n';
}
