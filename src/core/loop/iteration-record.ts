import type { TokenUsage } from '../../ports/agent.js';
import type { AgentReportParse } from '../agent-report.js';
import type { CommitRange, IterationRecord, IterationResult } from './outcome.js';
import type { Phase } from './phases.js';
import { iterationStatus } from './iteration-status.js';

/** What one iteration learned as it went; the phases fill it, the record is built from it. */
export interface IterCtx {
  i: number;
  iterDir: string;
  startedMs: number;
  phaseStartedMs: number;
  phase?: Phase;
  durationsMs: Partial<Record<Phase | 'total', number>>;
  tokens: TokenUsage;
  agentProcessMs: number;
  postCheckProcessMs: number;
  headBefore?: string;
  /** HEAD as the loop last set or saw it, so later phases need not ask git again. */
  head?: string;
  range?: CommitRange;
  stampSha?: string;
  leftoverStash?: string;
  report?: AgentReportParse;
}

/** iter-NNN/record.json: outcome, reason, commits, SHAs, stashes, tokens, durations, decision. Pure. */
export function buildIterationRecord(
  ctx: IterCtx,
  result: IterationResult,
  at: { attempt: number; head: string; policy?: IterationRecord['policy']; startedAt: string; endedAt: string },
): IterationRecord {
  return {
    schemaVersion: 1,
    iteration: ctx.i,
    attempt: at.attempt,
    outcome: result.kind,
    status: iterationStatus(result),
    ...(result.kind === 'failed' ? { reason: result.reason, detail: result.detail, phase: result.phase } : {}),
    headBefore: ctx.headBefore ?? at.head,
    headAfter: at.head,
    commits: result.kind === 'no-change' ? [] : (result.range?.shas ?? []),
    ...(result.kind === 'failed' && result.revertSha ? { revertSha: result.revertSha } : {}),
    ...(ctx.stampSha ? { stampSha: ctx.stampSha } : {}),
    ...(ctx.leftoverStash ? { leftoverStash: ctx.leftoverStash } : {}),
    ...(result.kind !== 'no-change' && result.decision ? { decision: result.decision } : {}),
    ...(at.policy ? { policy: at.policy } : {}),
    tokens: ctx.tokens,
    durationsMs: ctx.durationsMs,
    ...(ctx.report ? { report: ctx.report } : {}),
    agentProcessMs: ctx.agentProcessMs,
    postCheckProcessMs: ctx.postCheckProcessMs,
    startedAt: at.startedAt,
    endedAt: at.endedAt,
  };
}
