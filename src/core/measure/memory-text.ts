/**
 * The per-iteration memory files (plan.md, summary.md, reflexion.md), the {{HOTSPOTS}} text and the
 * escalation directive. Pure: the file adapter reads inputs and writes these strings.
 */
import type { MeasureDecision } from '../../ports/bench.js';
import type { Hotspot, HotspotDiff, HotspotProfile } from '../hotspots.js';
import type { LedgerRow } from './leaderboard.js';

/** The agent's structured report (iter-NNN/report.json, written by the agent backend). */
export interface AgentReport {
  bottleneckType?: string;
  candidates?: unknown[];
  reRanking?: string;
  chosen?: string;
  preMortem?: string;
  observed?: string;
  reflexion?: string;
  nextHypothesis?: string;
}

export type { Hotspot };

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

function field(o: Record<string, unknown>, key: string, parts: Array<[string, string]>): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return text(v);
  const r = v as Record<string, unknown>;
  return parts
    .filter(([k]) => r[k] !== undefined)
    .map(([k, label]) => (label ? `${label}: ${text(r[k])}` : text(r[k])))
    .join('. ');
}

/**
 * report.json as the agent backends write it: `{ok: true, report: {...}}` with object-valued chosen
 * ({change, expectedEffect}) and preMortem ({failureMode, earlySignal}); a flat report with strings works too.
 * A report recorded as `{ok: false}` (malformed) gives undefined.
 */
export function normalizeReport(raw: unknown): AgentReport | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  let o = raw as Record<string, unknown>;
  if ('ok' in o) {
    if (o.ok !== true || !o.report || typeof o.report !== 'object') return undefined;
    o = o.report as Record<string, unknown>;
  }
  const out: AgentReport = {};
  const set = (k: keyof AgentReport, v: string | undefined): void => {
    if (v !== undefined && v !== '') (out as Record<string, unknown>)[k] = v;
  };
  set('bottleneckType', field(o, 'bottleneckType', []));
  if (Array.isArray(o.candidates)) out.candidates = o.candidates;
  set('reRanking', field(o, 'reRanking', []));
  set('chosen', field(o, 'chosen', [['change', ''], ['expectedEffect', 'expected']]));
  set('preMortem', field(o, 'preMortem', [['failureMode', 'Failure mode'], ['earlySignal', 'Early signal']]));
  set('observed', field(o, 'observed', []));
  set('reflexion', field(o, 'reflexion', []));
  set('nextHypothesis', field(o, 'nextHypothesis', []));
  return out;
}

function candidateLine(c: unknown, i: number): string {
  if (c && typeof c === 'object' && !Array.isArray(c)) {
    const o = c as Record<string, unknown>;
    const name = text(o.name ?? o.approach ?? o.title ?? `candidate ${i + 1}`);
    const rest = Object.entries(o)
      .filter(([k]) => !['name', 'approach', 'title'].includes(k))
      .map(([k, v]) => `${k}: ${text(v)}`)
      .join('; ');
    return `${i + 1}. **${name}**${rest ? ` — ${rest}` : ''}`;
  }
  return `${i + 1}. ${text(c)}`;
}

export function renderPlan(iteration: string, r: AgentReport): string {
  return [
    `# Plan: ${iteration}`,
    '',
    '## Step-Back: bottleneck type',
    r.bottleneckType || '(not given)',
    '',
    '## Chain-of-Thought: candidates',
    ...(r.candidates && r.candidates.length > 0 ? r.candidates.map(candidateLine) : ['(not given)']),
    '',
    '## Self-Consistency: re-ranking',
    r.reRanking || '(not given)',
    '',
    '## Chosen strategy',
    r.chosen || '(not given)',
    '',
    '## Pre-mortem',
    r.preMortem || '(not given)',
    '',
  ].join('\n');
}

function decisionLines(d: MeasureDecision | undefined, row: LedgerRow): string[] {
  if (!d) return [`- Outcome: ${row.outcome} (${row.reason})`, `- Reverted: ${row.reverted ? 'yes, by a revert commit' : 'no'}`];
  const ci = d.ci ? ` (CI ${d.ci[0].toFixed(2)} … ${d.ci[1].toFixed(2)} %)` : '';
  return [
    `- Candidate median: ${d.candidate ?? '—'} over ${d.runs} runs; champion median: ${d.champion ?? '—'}`,
    `- Change against the champion: ${d.deltaPct === undefined ? '—' : `${d.deltaPct >= 0 ? '+' : ''}${d.deltaPct.toFixed(2)} %`}${ci}`,
    `- Decision: ${d.outcome} — ${d.reason}`,
    `- Reverted: ${d.revert ? 'yes, by a revert commit' : 'no'}${d.targetReached ? '\n- SUCCESS: Target reached 🎯' : ''}`,
  ];
}

/** `profile`: the iteration's profile section (the diff against the champion's, or its own table). */
export function renderSummary(iteration: string, row: LedgerRow, d: MeasureDecision | undefined, baseline: number | undefined, profile?: string): string {
  const vsBase = row.value !== undefined && baseline ? ` (${(((row.value - baseline) / Math.abs(baseline)) * 100).toFixed(2)} % against the baseline ${baseline})` : '';
  const mfu = row.mfu !== undefined ? [`- MFU: ${(row.mfu * 100).toFixed(1)} %`] : [];
  const lines = [`# Summary: ${iteration}`, '', `- Strategy: ${row.strategy}`, `- Value: ${row.value ?? '—'}${vsBase}`, ...mfu, ...decisionLines(d, row), ''];
  if (profile) lines.push('## Profile', '', profile.trimEnd(), '');
  return lines.join('\n');
}

/** The agent's own reflexion first, then the measured result and the decision, written after measuring. */
export function renderReflexion(iteration: string, r: AgentReport | undefined, row: LedgerRow, d: MeasureDecision | undefined): string {
  return [
    `# Reflexion: ${iteration}`,
    '',
    '## The agent’s reflexion',
    r?.reflexion || '(the agent gave none)',
    ...(r?.observed ? ['', '## Observed', r.observed] : []),
    ...(r?.nextHypothesis ? ['', '## Next hypothesis', r.nextHypothesis] : []),
    '',
    '## Measured result and decision (written by gdnctl)',
    ...decisionLines(d, row),
    '',
  ].join('\n');
}

/** hotspots.json: a list, or dev-tpu-profile's summary object holding the list as `ops` (or `hotspots`). */
export function parseHotspots(json: unknown): Hotspot[] | undefined {
  const o = json && typeof json === 'object' && !Array.isArray(json) ? (json as { ops?: unknown; hotspots?: unknown }) : undefined;
  const list = Array.isArray(json) ? json : Array.isArray(o?.ops) ? o.ops : Array.isArray(o?.hotspots) ? o.hotspots : undefined;
  if (!list) return undefined;
  const out: Hotspot[] = [];
  for (const h of list) {
    if (!h || typeof h !== 'object') continue;
    const o = h as Record<string, unknown>;
    if (typeof o.name !== 'string' || typeof o.share !== 'number') continue;
    out.push({ name: o.name, totalUs: Number(o.totalUs) || 0, count: Number(o.count) || 0, share: o.share });
  }
  return out.sort((a, b) => b.share - a.share);
}

/** hotspots.json with its totals when dev-tpu-profile wrote them (a bare list has only ops). */
export function parseHotspotProfile(json: unknown): HotspotProfile | undefined {
  const ops = parseHotspots(json);
  if (!ops) return undefined;
  const o = json && typeof json === 'object' && !Array.isArray(json) ? (json as { totalUs?: unknown; stepTimeMs?: unknown }) : {};
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  return { ops, ...(finite(o.totalUs) ? { totalUs: o.totalUs } : {}), ...(finite(o.stepTimeMs) ? { stepTimeMs: o.stepTimeMs } : {}) };
}

export function renderHotspots(iteration: string, hs: readonly Hotspot[], top = 8): string {
  const lines = [`Measured hotspots (${iteration}, from the profile trace):`, '', '| Op | Total µs | Count | Share |', '|---|---|---|---|'];
  for (const h of hs.slice(0, top)) lines.push(`| ${h.name} | ${h.totalUs.toFixed(0)} | ${h.count} | ${(h.share * 100).toFixed(1)} % |`);
  return lines.join('\n');
}

export const ESCALATION_GAIN_PCT = 3;

const CHANGE_STRATEGY =
  'Incremental tuning of this op has stalled. Change strategy class: restructure the algorithm or data layout around this op ' +
  '(fuse it with its neighbours, change the blocking/tiling, change the recurrence form, or move work off it entirely), ' +
  'inspect its lowered code before planning, and state in the plan why the new approach attacks this op differently.';

/**
 * Diminishing returns on the same bottleneck: the last gain was under 3 % and the dominant hotspot of the
 * last two measured profiles is the same op. Hotspots come only from hotspots.json written by
 * dev-tpu-profile from traces, never from numbers the agent typed.
 */
export function escalationDirective(lastGainPct: number | undefined, previous: readonly Hotspot[] | undefined, latest: readonly Hotspot[] | undefined): string | undefined {
  if (lastGainPct === undefined || lastGainPct >= ESCALATION_GAIN_PCT) return undefined;
  const a = previous?.[0];
  const b = latest?.[0];
  if (!a || !b || a.name !== b.name) return undefined;
  return [
    '## Escalation (generated by gdnctl)',
    `The last iteration gained ${lastGainPct.toFixed(2)} % (under ${ESCALATION_GAIN_PCT} %) and the dominant measured hotspot is still ` +
      `\`${b.name}\` (${(b.share * 100).toFixed(1)} % of device time, was ${(a.share * 100).toFixed(1)} %).`,
    CHANGE_STRATEGY,
  ].join('\n');
}

/**
 * The escalation directive from the champion/candidate profile diff: "dominant op unchanged" means the same op
 * tops both profiles (the candidate's change did not move the bottleneck).
 */
export function escalationFromDiff(lastGainPct: number | undefined, diff: HotspotDiff, labels: { champion: string; candidate: string }): string | undefined {
  if (lastGainPct === undefined || lastGainPct >= ESCALATION_GAIN_PCT || !diff.dominantUnchanged) return undefined;
  const name = diff.candidate.dominant!;
  const m = diff.movers.find((x) => x.name === name);
  const share = (v: number | undefined): string => (v === undefined ? '—' : `${(v * 100).toFixed(1)} %`);
  const moved = m ? ` (${share(m.championShare)} of device time in the champion ${labels.champion}, ${share(m.candidateShare)} in ${labels.candidate}; ${m.deltaUs <= 0 ? '−' : '+'}${(Math.abs(m.deltaUs) / 1000).toFixed(3)} ms)` : '';
  return [
    '## Escalation (generated by gdnctl)',
    `The last iteration gained ${lastGainPct.toFixed(2)} % (under ${ESCALATION_GAIN_PCT} %) and the dominant op is unchanged: \`${name}\` tops both the champion's and the candidate's profile${moved}.`,
    CHANGE_STRATEGY,
  ].join('\n');
}
