/**
 * What a decided round makes of the candidates that were not promoted: a change kept on its own candidate branch
 * (promoted against the champion at α/K, kept within noise, kept inconclusive, or kept without --bench) is not on
 * the loop's branch, so its record and ledger row say `explored`, and the lineage, the champion line and the
 * prompts' champion follow the winner only. Reverted and failed candidates keep their own status.
 */
import type { IterationStatus } from '../loop/outcome.js';

/** A candidate's status: record.json's, or `round-timeout` for one the round's timeout ended (the orchestrator's). */
export type CandidateStatus = IterationStatus | 'round-timeout';

export function keptOnBranch(status: CandidateStatus): boolean {
  switch (status) {
    case 'promoted':
    case 'kept-within-noise':
    case 'kept-inconclusive':
    case 'kept':
      return true;
    case 'explored':
    case 'regression-reverted':
    case 'inconclusive-reverted':
    case 'no-metric-reverted':
    case 'reverted-post-check':
    case 'reverted-protected-path':
    case 'reverted-outside-scope':
    case 'reverted':
    case 'no-commit':
    case 'no-change':
    case 'failed':
    case 'round-timeout':
      return false;
    default: {
      const never: never = status;
      throw new Error(`unknown status ${JSON.stringify(never)}`);
    }
  }
}

/** record.json of an explored candidate: `status` says explored, `explored` what it was and who won instead. */
export interface ExploredMark {
  /** Its status before the round was decided (promoted, kept-within-noise, …). */
  from: IterationStatus;
  round: number;
  /** The slot whose change was promoted in its round; null when none could be brought onto the loop's branch. */
  promotedSlot: number | null;
}

export function exploredRecord<R extends { status: IterationStatus }>(rec: R, round: number, promotedSlot: number | undefined): R & { explored: ExploredMark } {
  return { ...rec, status: 'explored', explored: { from: rec.status, round, promotedSlot: promotedSlot ?? null } };
}
