import type { TokenUsage } from '../../ports/agent.js';
import { costUsd, totalTokens, type AgentBackend, type ModelPrice } from './prices.js';

/** Why a budget stopped the run: the stop reason in state.json, events.jsonl and run.json. */
export type BudgetReason = 'budget-tokens' | 'budget-cost' | 'budget-wall' | 'budget-tpu';

/** The run's caps, in engine units; an absent cap is off. */
export interface BudgetSettings {
  maxTokens?: number | undefined;
  maxCostUsd?: number | undefined;
  maxWallMs?: number | undefined;
  /** --max-tpu-hours as chip-milliseconds: held time × the held node's chips. */
  maxTpuChipMs?: number | undefined;
  /** How tokens become dollars; present whenever maxCostUsd is. */
  pricing?: { backend: AgentBackend; model: string; price: ModelPrice } | undefined;
}

/** Time spent by the run, kept in state.json so a resumed run goes on counting (downtime between is not). */
export interface TimeSpent {
  wallMs: number;
  tpuChipMs: number;
}

/** What the caps are checked against: the run's state.json, as far as budgets read it. */
export interface SpendState {
  tokens: TokenUsage;
  completed: ReadonlyArray<{ tokens: TokenUsage }>;
  budgetSpent?: TimeSpent | undefined;
}

export interface BudgetStop {
  reason: BudgetReason;
  detail: string;
}

export function hasTimeCaps(b: BudgetSettings): boolean {
  return b.maxWallMs !== undefined || b.maxTpuChipMs !== undefined;
}

const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(2)} h`;
const usd = (x: number): string => `$${x.toFixed(4)}`;

/**
 * Token and cost caps with the committed spend: an iteration may spend as much as the largest one so far,
 * and codex reports usage only when its turn completes, so the next iteration starts only when that much is
 * still left. The first iteration has nothing to go by and always starts.
 */
function spendCap(name: string, cap: number | undefined, spent: number, committed: number, show: (x: number) => string): string | undefined {
  if (cap === undefined) return undefined;
  if (spent >= cap) return `${name} ${show(cap)}: ${show(spent)} spent; raise ${name} to go on`;
  if (spent + committed > cap) {
    return `${name} ${show(cap)}: ${show(spent)} spent and the largest iteration so far took ${show(committed)}, which would overshoot it; raise ${name} to go on`;
  }
  return undefined;
}

/** The time caps (wall clock, TPU chip-hours): checked before an iteration and while the agent runs. */
export function timeExhausted(b: BudgetSettings, t: TimeSpent): BudgetStop | undefined {
  if (b.maxWallMs !== undefined && t.wallMs >= b.maxWallMs) {
    return { reason: 'budget-wall', detail: `--max-wall-hours ${hours(b.maxWallMs)}: ${hours(t.wallMs)} spent; raise --max-wall-hours to go on` };
  }
  if (b.maxTpuChipMs !== undefined && t.tpuChipMs >= b.maxTpuChipMs) {
    return { reason: 'budget-tpu', detail: `--max-tpu-hours ${hours(b.maxTpuChipMs)}: ${hours(t.tpuChipMs)} chip-hours held; raise --max-tpu-hours to go on` };
  }
  return undefined;
}

/** Whether the next iteration may start; the first cap that has run out, in the order of the flags. */
export function exhaustedBefore(b: BudgetSettings, s: SpendState): BudgetStop | undefined {
  const largest = (f: (t: TokenUsage) => number): number => s.completed.reduce((m, x) => Math.max(m, f(x.tokens)), 0);
  const tokens = spendCap('--max-tokens', b.maxTokens, totalTokens(s.tokens), largest(totalTokens), (x) => String(Math.round(x)));
  if (tokens) return { reason: 'budget-tokens', detail: tokens };
  const p = b.pricing;
  if (b.maxCostUsd !== undefined && p) {
    const cost = (t: TokenUsage): number => costUsd(p.backend, t, p.price);
    const over = spendCap('--max-cost-usd', b.maxCostUsd, cost(s.tokens), largest(cost), usd);
    if (over) return { reason: 'budget-cost', detail: over };
  }
  return timeExhausted(b, s.budgetSpent ?? { wallMs: 0, tpuChipMs: 0 });
}

/** Milliseconds until a time cap runs out at the current rate (chips held), or undefined when none is set. */
export function msUntilTimeCap(b: BudgetSettings, t: TimeSpent, chips: number | undefined): number | undefined {
  const left: number[] = [];
  if (b.maxWallMs !== undefined) left.push(b.maxWallMs - t.wallMs);
  if (b.maxTpuChipMs !== undefined && chips !== undefined && chips > 0) left.push((b.maxTpuChipMs - t.tpuChipMs) / chips);
  return left.length ? Math.max(0, Math.min(...left)) : undefined;
}

export function isBudgetReason(reason: string): reason is BudgetReason {
  return reason === 'budget-tokens' || reason === 'budget-cost' || reason === 'budget-wall' || reason === 'budget-tpu';
}
