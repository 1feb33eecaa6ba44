import pRetry, { AbortError } from 'p-retry';
import type { AgentFailure, AgentRunInput, AgentRunner, AgentRunResult, TokenUsage } from '../../ports/agent.js';
import type { Clock } from '../../ports/clock.js';
import type { BudgetStop } from '../budget/caps.js';
import { DEFAULT_LIMIT_WAIT, planLimitWait, type LimitWaitSettings } from '../budget/limit-wait.js';
import { addTokens, ZERO_TOKENS } from './outcome.js';

/**
 * How a failed agent attempt is handled. A limit that says when it resets is waited out first (runAgentPhase).
 * Transient provider trouble backs off and retries on its own budget; a usage limit with no reset time or a
 * bad login never heals by retrying; anything else (non-zero exit, timeout) is
 * the agent's own failure and gets the plain --codex-retries.
 */
export type AgentFailureClass = 'transient' | 'fatal' | 'interrupted' | 'agent';

export function classifyAgentFailure(f: AgentFailure): AgentFailureClass {
  switch (f) {
    case 'agent-rate-limited':
    case 'agent-network':
    case 'agent-server-error':
      return 'transient';
    case 'agent-usage-limit':
    case 'agent-auth':
      return 'fatal';
    case 'agent-interrupted':
      return 'interrupted';
    case 'agent-timeout':
    case 'agent-idle-timeout':
    case 'agent-exit-nonzero':
      return 'agent';
    default: {
      const never: never = f;
      throw new Error(`unknown agent failure ${String(never)}`);
    }
  }
}

class TransientFailure extends Error {
  constructor(readonly result: AgentRunResult) {
    super(result.detail ?? result.failure ?? 'transient agent failure');
  }
}

export interface AgentPhaseInput {
  agent: AgentRunner;
  input: AgentRunInput;
  retries: number;
  transientRetries: number;
  retrySleepMs: number;
  maxBackoffMs: number;
  clock: Clock;
  signal: AbortSignal;
  /** Between attempts: stash what the failed attempt left, so the next one starts clean. */
  betweenAttempts: (failed: AgentRunResult, attempt: number) => Promise<void>;
  note: (msg: string) => void;
  /** Usage limits with a reset time are waited out (src/core/budget/limit-wait.ts); default 6 h, 60 s jitter. */
  limitWait?: LimitWaitSettings;
  /** A limit wait begins (the ledger's `limit-wait` event, with the time the attempt resumes). */
  onLimitWait?: (w: { failure: AgentFailure; resumeAtMs: number; waitMs: number; detail: string }) => Promise<void>;
  random?: () => number;
}

export interface AgentPhaseResult {
  result: AgentRunResult;
  attempts: number;
  tokens: TokenUsage;
  /** The agent processes' own run time, all attempts (for the overhead benchmark). */
  processMs: number;
  /** A run budget's time cap ran out during the pass (the pass was ended for it). */
  budgetStop?: BudgetStop;
}

export async function runAgentPhase(p: AgentPhaseInput): Promise<AgentPhaseResult> {
  let attempts = 0;
  let tokens = ZERO_TOKENS;
  let processMs = 0;
  let waitedMs = 0;
  const limits = p.limitWait ?? DEFAULT_LIMIT_WAIT;
  /** One attempt; a limit with a reset time is waited out and the attempt runs again, on no retry budget. */
  const attempt = async (): Promise<AgentRunResult> => {
    for (;;) {
      if (p.signal.aborted) throw new AbortError('interrupted');
      attempts += 1;
      const r = await p.agent.run({ ...p.input, signal: p.signal });
      tokens = addTokens(tokens, r.usage);
      processMs += r.durationMs;
      const failure = r.failure;
      const limited = failure === 'agent-usage-limit' || failure === 'agent-rate-limited';
      if (r.ok || !limited || r.limitResetAtMs === undefined || p.signal.aborted) return r;
      const now = p.clock.now();
      const plan = planLimitWait(r.limitResetAtMs, now, waitedMs, limits, p.random);
      const resets = new Date(r.limitResetAtMs).toISOString();
      if (plan.kind === 'too-long') {
        return { ...r, detail: `${r.detail ?? r.failure}; it resets at ${resets}, beyond --max-limit-wait-hours ${limits.maxWaitMs / 3_600_000}` };
      }
      await p.betweenAttempts(r, attempts);
      if (p.onLimitWait) await p.onLimitWait({ failure, resumeAtMs: plan.untilMs, waitMs: plan.waitMs, detail: r.detail ?? failure });
      else p.note(`agent: ${failure} until ${resets}; waiting until ${new Date(plan.untilMs).toISOString()}, then the same attempt again`);
      waitedMs += plan.waitMs;
      await p.clock.sleep(plan.waitMs, p.signal).catch(() => undefined);
    }
  };
  const once = async (): Promise<AgentRunResult> => {
    const r = await attempt();
    if (!r.ok && r.failure && classifyAgentFailure(r.failure) === 'transient' && !p.signal.aborted) {
      await p.betweenAttempts(r, attempts);
      throw new TransientFailure(r);
    }
    return r;
  };
  let plainLeft = p.retries;
  for (;;) {
    let r: AgentRunResult;
    try {
      // Exponential backoff with jitter (×1–2) from --retry-sleep-seconds, capped; waited on the clock, whose
      // sleep holds any length (p-retry's own setTimeout would fire at once past 24.8 days).
      r = await pRetry(once, {
        retries: p.transientRetries,
        minTimeout: 0,
        maxTimeout: 0,
        signal: p.signal,
        onFailedAttempt: async ({ error, retriesLeft, retriesConsumed }) => {
          if (retriesLeft <= 0 || error instanceof AbortError) return;
          p.note(`agent: transient failure (${error.message}); backing off, ${retriesLeft} retries left`);
          const waitMs = backoffMs(retriesConsumed, p.retrySleepMs, Math.max(p.retrySleepMs, p.maxBackoffMs));
          if (waitMs > 0) await p.clock.sleep(waitMs, p.signal);
        },
      });
    } catch (e) {
      if (e instanceof TransientFailure) r = e.result;
      else if (p.signal.aborted) return { result: interrupted(), attempts, tokens, processMs };
      else throw e;
    }
    if (r.ok || !r.failure) return { result: r, attempts, tokens, processMs };
    const cls = classifyAgentFailure(r.failure);
    if (cls !== 'agent' || plainLeft <= 0 || p.signal.aborted) return { result: r, attempts, tokens, processMs };
    plainLeft -= 1;
    await p.betweenAttempts(r, attempts);
    p.note(`agent: ${r.failure} (${r.detail ?? 'no detail'}); retrying in ${p.retrySleepMs / 1000}s, ${plainLeft} retries left`);
    await p.clock.sleep(p.retrySleepMs, p.signal).catch(() => undefined);
    if (p.signal.aborted) return { result: interrupted(), attempts, tokens, processMs };
  }
}

/** p-retry's schedule: min × 2^(retries consumed), jittered ×1–2, capped at max. */
export function backoffMs(retriesConsumed: number, minMs: number, maxMs: number, random = Math.random()): number {
  return Math.min(Math.round((1 + random) * minMs * 2 ** Math.max(0, retriesConsumed)), maxMs);
}

function interrupted(): AgentRunResult {
  return { ok: false, failure: 'agent-interrupted', exitCode: null, durationMs: 0, usage: ZERO_TOKENS, argv: [] };
}
