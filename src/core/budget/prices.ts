import type { TokenUsage } from '../../ports/agent.js';

/**
 * What a model's tokens cost, in US dollars per million tokens (gdnctl.yaml `modelPrices:`). Cache writes are
 * Claude's only; without a price of their own they cost the input price.
 */
export interface ModelPrice {
  inputUsdPerMTok: number;
  cachedInputUsdPerMTok: number;
  outputUsdPerMTok: number;
  cacheWriteUsdPerMTok?: number | undefined;
}

export type AgentBackend = 'codex' | 'claude' | 'command';

const PER_TOKEN = 1e-6;

/**
 * One formula per backend, over the counts as TokenUsage holds them (src/ports/agent.ts):
 * - codex: input_tokens includes the cached ones, priced at the cached rate; reasoning tokens are part of
 *   output_tokens and are not added again.
 * - claude: input as recorded = fresh input + cache reads + cache writes; each part at its own rate.
 * - command: no usage of its own (its counts are zero); the codex formula, for whatever it reports.
 */
export function costUsd(backend: AgentBackend, t: TokenUsage, p: ModelPrice): number {
  switch (backend) {
    case 'codex':
    case 'command': {
      const fresh = Math.max(0, t.inputTokens - t.cachedInputTokens);
      return (fresh * p.inputUsdPerMTok + t.cachedInputTokens * p.cachedInputUsdPerMTok + t.outputTokens * p.outputUsdPerMTok) * PER_TOKEN;
    }
    case 'claude': {
      const writes = t.cacheWriteTokens ?? 0;
      const fresh = Math.max(0, t.inputTokens - t.cachedInputTokens - writes);
      const writeRate = p.cacheWriteUsdPerMTok ?? p.inputUsdPerMTok;
      return (fresh * p.inputUsdPerMTok + t.cachedInputTokens * p.cachedInputUsdPerMTok + writes * writeRate + t.outputTokens * p.outputUsdPerMTok) * PER_TOKEN;
    }
    default: {
      const never: never = backend;
      throw new Error(`unknown agent backend ${String(never)}`);
    }
  }
}

/** What --max-tokens counts: every token read or written (input includes cached, output includes reasoning). */
export function totalTokens(t: TokenUsage): number {
  return t.inputTokens + t.outputTokens;
}
