/**
 * The data behind report.html's charts, computed here (pure, tested) so the page's script only hands it to the
 * charting library: points with their hover text, the champion's step line, the target, and the y scale.
 */
import { iterName, standing, type LedgerRow, type Standing } from './leaderboard.js';

export interface ChartPoint {
  iteration: number;
  y: number;
  outcome: string;
  /** 'baseline' | 'promoted' | 'kept' (within noise or inconclusive, kept) | 'explored' (--parallel) | 'reverted'. */
  kind: 'baseline' | 'promoted' | 'kept' | 'explored' | 'reverted';
  /** Hover text: iteration, metric value, decision, change and commit, one per line. */
  title: string;
}

export interface ChartData {
  id: string;
  label: string;
  unit: 'value' | 'percent';
  /** A log y axis once the values span more than 10× (a step time that fell from 400 ms to 20 ms). */
  log: boolean;
  maxIter: number;
  /** Integer ticks for the x axis when there are few iterations; else the library picks. */
  xTicks?: number[];
  points: ChartPoint[];
  /** Iterations with no value (failed post-check, no metric): drawn as marks on the x axis, reverted. */
  unmeasured: Array<{ iteration: number; title: string }>;
  champion: Array<{ iteration: number; y: number }>;
  target?: number;
}

/** True when every value is positive and the largest is more than 10× the smallest. */
export function spansMoreThanTenfold(values: readonly number[]): boolean {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2 || finite.some((v) => v <= 0)) return false;
  return Math.max(...finite) / Math.min(...finite) > 10;
}

/** The champion value after each iteration: starts at the baseline, moves only on promotions (never an explored one). */
export function championSeries(rows: readonly LedgerRow[], baseline: number | undefined, valueOf: (r: LedgerRow) => number | undefined = (r) => r.value): Array<{ iteration: number; value: number }> {
  const out: Array<{ iteration: number; value: number }> = [];
  let cur = baseline;
  if (cur !== undefined) out.push({ iteration: 0, value: cur });
  for (const r of rows) {
    const v = valueOf(r);
    if (standing(r) === 'champion' && v !== undefined) cur = v;
    if (cur !== undefined) out.push({ iteration: r.iteration, value: cur });
  }
  return out;
}

const num = (x: number): string => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

export interface ChartInput {
  id: string;
  label: string;
  /** The y value's name in hover texts (the metric, or "MFU"). */
  name: string;
  unit: 'value' | 'percent';
  rows: readonly LedgerRow[];
  /** A row's y value on this chart (undefined = not on it). */
  valueOf: (r: LedgerRow) => number | undefined;
  baseline?: number | undefined;
  target?: number | undefined;
  /** Commit subjects by sha, when the caller looked them up. */
  subjects?: ReadonlyMap<string, string> | undefined;
}

const KIND: Record<Standing, Exclude<ChartPoint['kind'], 'baseline'>> = { champion: 'promoted', kept: 'kept', explored: 'explored', reverted: 'reverted' };
const kindOf = (r: LedgerRow): ChartPoint['kind'] => KIND[standing(r)];

function hoverText(r: LedgerRow, value: string | undefined, name: string, subjects: ReadonlyMap<string, string> | undefined): string {
  const status = kindOf(r);
  const delta = r.deltaPct !== undefined ? ` (${r.deltaPct >= 0 ? '+' : '−'}${Math.abs(r.deltaPct).toFixed(2)} % vs champion)` : '';
  const subject = r.commit ? subjects?.get(r.commit) : undefined;
  return [
    `${iterName(r.iteration)}${r.candidate ? ` (${r.candidate})` : ''} · ${status}${r.targetReached ? ' · target reached' : ''}`,
    ...(value !== undefined ? [`${name}: ${value}${delta}`] : []),
    `decision: ${r.outcome}${r.reason && r.reason !== r.outcome ? ` — ${r.reason}` : ''}`,
    `change: ${r.strategy}`,
    ...(r.commit ? [`commit: ${r.commit.slice(0, 12)}${subject ? ` ${subject}` : ''}`] : []),
  ].join('\n');
}

export function chartData(c: ChartInput): ChartData {
  const fmt = (v: number): string => (c.unit === 'percent' ? `${v.toFixed(1)} %` : num(v));
  const points: ChartPoint[] = [];
  if (c.baseline !== undefined) points.push({ iteration: 0, y: c.baseline, outcome: 'baseline', kind: 'baseline', title: `baseline\n${c.name}: ${fmt(c.baseline)}` });
  const unmeasured: ChartData['unmeasured'] = [];
  for (const r of c.rows) {
    const y = c.valueOf(r);
    if (r.value === undefined) unmeasured.push({ iteration: r.iteration, title: hoverText(r, undefined, c.name, c.subjects) });
    else if (y !== undefined && Number.isFinite(y)) points.push({ iteration: r.iteration, y, outcome: r.outcome, kind: kindOf(r), title: hoverText(r, fmt(y), c.name, c.subjects) });
  }
  const maxIter = Math.max(1, ...c.rows.map((r) => r.iteration));
  const ys = [...points.map((p) => p.y), ...(c.target !== undefined ? [c.target] : [])];
  return {
    id: c.id,
    label: c.label,
    unit: c.unit,
    log: spansMoreThanTenfold(ys),
    maxIter,
    ...(maxIter <= 20 ? { xTicks: Array.from({ length: maxIter + 1 }, (_, k) => k) } : {}),
    points,
    unmeasured,
    champion: championSeries(c.rows, c.baseline, c.valueOf).map((p) => ({ iteration: p.iteration, y: p.value })),
    ...(c.target !== undefined ? { target: c.target } : {}),
  };
}
