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
  /**
   * The decision, or the loop's outcome when nothing was measured. `explored` (--parallel): the change stays on
   * its candidate branch, not on the loop's, because another candidate of its round was promoted (or none could be).
   */
  outcome: MeasureOutcome | 'failed' | 'kept' | 'no-change' | 'explored';
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

/**
 * The status cell: each emoji with its word, so a browser or terminal without an emoji font (headless servers,
 * many Linux desktops) still says what happened.
 */
export function statusMark(r: LedgerRow): string {
  const base = STATUS_WORDS[standing(r)];
  return r.targetReached ? `${base} 🎯 target reached` : base;
}

/**
 * Where a row's change stands: the lineage's champion, kept on the loop's branch, explored (kept on its own
 * candidate branch only) or reverted. Everything that ranks, marks or charts a row goes through this switch.
 */
export type Standing = 'champion' | 'kept' | 'explored' | 'reverted';

export function standing(r: LedgerRow): Standing {
  if (r.reverted) return 'reverted';
  switch (r.outcome) {
    case 'promoted':
      return 'champion';
    case 'explored':
      return 'explored';
    case 'kept-within-noise':
    case 'inconclusive':
    case 'regression':
    case 'no-metric':
    case 'kept':
    case 'no-change':
    case 'failed':
      return 'kept';
    default: {
      const never: never = r.outcome;
      throw new Error(`unknown outcome ${JSON.stringify(never)}`);
    }
  }
}

/** The status cell's emoji and word per standing (a champion is a kept change too). */
export const STATUS_WORDS: Record<Standing, string> = { champion: '✅ kept', kept: '✅ kept', explored: '🔎 explored', reverted: '❌ reverted' };

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

export interface RankedEntry {
  /** Shared by a champion and the changes kept within noise on top of it (standard competition ranking). */
  rank: number;
  row: LedgerRow | 'baseline';
  /** A kept change that did not beat its champion: it ranks with that champion, listed after it. */
  withChampion: boolean;
}

/**
 * Ranked by the champion lineage, not by each row's own sample: the newest champion first (every promotion beat
 * the champion before it in an A/B), each followed by the changes kept within noise while it was champion, at its
 * rank; the baseline is the lineage's root. A kept-within-noise sample that happened to come out better than its
 * champion's therefore never ranks above a promotion. Explored candidates (--parallel: kept on their own branch
 * while another was promoted) follow, then reverted rows, each group best result first in the metric's
 * direction; rows without a value sink to the bottom in iteration order.
 */
export function rankBoard(rows: readonly LedgerRow[], ctx: Pick<BoardContext, 'direction' | 'baseline'>): RankedEntry[] {
  const lineage: Array<{ head: LedgerRow | 'baseline' | undefined; kept: LedgerRow[] }> = [{ head: ctx.baseline !== undefined ? 'baseline' : undefined, kept: [] }];
  const explored: LedgerRow[] = [];
  const reverted: LedgerRow[] = [];
  const unmeasured: LedgerRow[] = [];
  for (const r of [...rows].sort((a, b) => a.iteration - b.iteration)) {
    if (r.value === undefined) {
      unmeasured.push(r);
      continue;
    }
    const st = standing(r);
    switch (st) {
      case 'reverted':
        reverted.push(r);
        break;
      case 'explored':
        explored.push(r);
        break;
      case 'champion':
        lineage.push({ head: r, kept: [] });
        break;
      case 'kept':
        lineage[lineage.length - 1]!.kept.push(r);
        break;
      default: {
        const never: never = st;
        throw new Error(`unknown standing ${JSON.stringify(never)}`);
      }
    }
  }
  const sign = ctx.direction === 'higher' ? -1 : 1;
  const byResult = (a: LedgerRow, b: LedgerRow): number => sign * (a.value! - b.value!) || a.iteration - b.iteration;
  explored.sort(byResult);
  reverted.sort(byResult);
  const out: RankedEntry[] = [];
  for (const g of lineage.reverse()) {
    const rank = out.length + 1;
    if (g.head !== undefined) out.push({ rank, row: g.head, withChampion: false });
    for (const k of g.kept) out.push({ rank, row: k, withChampion: g.head !== undefined });
  }
  for (const r of [...explored, ...reverted, ...unmeasured]) out.push({ rank: out.length + 1, row: r, withChampion: false });
  return out;
}

/** The rows in rankBoard's order. */
export function rankRows(rows: readonly LedgerRow[], ctx: Pick<BoardContext, 'direction' | 'baseline'>): Array<LedgerRow | 'baseline'> {
  return rankBoard(rows, ctx).map((e) => e.row);
}

/** The header's sentence on how the table is ranked (leaderboard.md and report.html). */
export const RANKING_NOTE =
  'Ranked by the champion lineage: each promotion above the champion it beat; a change kept within noise ranks with the champion it did not beat (same rank, listed after it), never above a promotion on its own noisy sample; reverted changes follow, by their own result.';

/** Added to RANKING_NOTE when a row is explored (--parallel), so a sequential run's header stays as it was. */
export const EXPLORED_NOTE =
  'Explored candidates (🔎) were kept on their own branch while another candidate of their round was promoted: they follow the lineage, by their own result, and are not champions.';

export function rankingNote(rows: readonly LedgerRow[]): string {
  return rows.some((r) => standing(r) === 'explored') ? `${RANKING_NOTE} ${EXPLORED_NOTE}` : RANKING_NOTE;
}

/**
 * The prompt's leaderboard keeps this many ranked entries and the rows of this many newest iterations: a long run's
 * full table (~80 KB at 1,000 rows) would be rendered and sent to the agent every iteration.
 */
export const PROMPT_BOARD = { top: 15, recent: 5 } as const;

/**
 * `limit`: only the best `top` entries and the `recent` newest iterations, with a line saying how many rows are in
 * leaderboard.md only; a table that fits is rendered whole, so it reads like leaderboard.md.
 */
export function renderLeaderboard(rows: readonly LedgerRow[], ctx: BoardContext, limit?: { top: number; recent: number }): string {
  const withMfu = hasMfu(rows, ctx.baselineMfu);
  const mfuCell = (m: number | undefined): string => (withMfu ? ` ${fmtMfu(m)} |` : '');
  const lines = [
    `# Experiment Leaderboard: ${ctx.title}`,
    `Last updated: ${ctx.date}`,
    '',
    `Metric direction: ${ctx.direction} is better. ${rankingNote(rows)} Delta is against the baseline.${withMfu ? ' MFU is against the chips\' bf16 peak.' : ''}`,
    '',
    `| Rank | Iteration | Result |${withMfu ? ' MFU |' : ''} Delta | Strategy | Status |`,
    `|------|-----------|--------|${withMfu ? '-----|' : ''}-------|----------|--------|`,
  ];
  const ranked = rankBoard(rows, ctx);
  const shown = limit && ranked.length > limit.top + limit.recent ? boundedEntries(ranked, rows, limit) : ranked;
  for (const { rank, row: r } of shown) {
    if (r === 'baseline') {
      lines.push(`| ${rank} | baseline | ${fmtNum(ctx.baseline!)} |${mfuCell(ctx.baselineMfu)} — | — | Baseline |`);
      continue;
    }
    const result = r.value === undefined ? '—' : fmtNum(r.value);
    const delta = r.value === undefined ? '—' : fmtDelta(r.value, ctx.baseline);
    const strategy = r.value === undefined ? `${r.strategy} (${r.outcome}: ${r.reason})` : `${r.strategy} (${r.outcome})`;
    const name = `${iterName(r.iteration)}-${r.slug}${r.candidate ? ` (${r.candidate})` : ''}`;
    lines.push(`| ${rank} | ${name} | ${result} |${mfuCell(r.mfu)} ${delta} | ${cell(strategy)} | ${statusMark(r)} |`);
  }
  if (shown.length < ranked.length) lines.push('', `(${ranked.length - shown.length} more rows in leaderboard.md: the best ${limit!.top} and the ${limit!.recent} newest iterations are shown.)`);
  return lines.join('\n') + '\n';
}

/** The best `top` entries, then the newest `recent` iterations' entries not among them, each in rank order. */
function boundedEntries(ranked: readonly RankedEntry[], rows: readonly LedgerRow[], limit: { top: number; recent: number }): RankedEntry[] {
  let newest = -Infinity;
  for (const r of rows) newest = Math.max(newest, r.iteration);
  const recent = (e: RankedEntry): boolean => e.row !== 'baseline' && e.row.iteration > newest - limit.recent;
  return ranked.filter((e, i) => i < limit.top || recent(e));
}
