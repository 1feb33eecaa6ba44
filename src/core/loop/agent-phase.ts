import pRetry, { AbortError } from 'p-retry';
import type { AgentFailure, AgentRunInput, AgentRunner, AgentRunResult, TokenUsage } from '../../ports/agent.js';
import type { Clock } from '../../ports/clock.js';
import { addTokens, ZERO_TOKENS } from './outcome.js';

/**
 * How a failed agent attempt is handled. Transient provider trouble backs off and retries on its own budget;
 * an exhausted usage limit or a bad login never heals by retrying; anything else (non-zero exit, timeout) is
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
}

export interface AgentPhaseResult {
  result: AgentRunResult;
  attempts: number;
  tokens: TokenUsage;
  /** The agent processes' own run time, all attempts (for the overhead benchmark). */
  processMs: number;
}

export async function runAgentPhase(p: AgentPhaseInput): Promise<AgentPhaseResult> {
  let attempts = 0;
  let tokens = ZERO_TOKENS;
  let processMs = 0;
  const once = async (): Promise<AgentRunResult> => {
    if (p.signal.aborted) throw new AbortError('interrupted');
    attempts += 1;
    const r = await p.agent.run({ ...p.input, signal: p.signal });
    tokens = addTokens(tokens, r.usage);
    processMs += r.durationMs;
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
      // Exponential backoff with jitter (randomize: ×1–2) from --retry-sleep-seconds, capped.
      r = await pRetry(once, {
        retries: p.transientRetries,
        factor: 2,
        minTimeout: p.retrySleepMs,
        maxTimeout: Math.max(p.retrySleepMs, p.maxBackoffMs),
        randomize: true,
        signal: p.signal,
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (retriesLeft > 0) p.note(`agent: transient failure (${error.message}); backing off, ${retriesLeft} retries left`);
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

function interrupted(): AgentRunResult {
  return { ok: false, failure: 'agent-interrupted', exitCode: null, durationMs: 0, usage: ZERO_TOKENS, argv: [] };
}
