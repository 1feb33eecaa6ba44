import type { IterationResult, IterationStatus } from './outcome.js';

export type { IterationStatus };

export function iterationStatus(result: IterationResult): IterationStatus {
  switch (result.kind) {
    case 'no-change':
      return 'no-change';
    case 'kept': {
      const o = result.decision?.outcome;
      if (o === undefined) return 'kept';
      if (o === 'promoted' || o === 'kept-within-noise') return o;
      // A kept inconclusive change (--inconclusive-policy keep); regression/no-metric always revert.
      return 'kept-inconclusive';
    }
    case 'failed': {
      if (result.reason === 'no-commit') return 'no-commit';
      if (!result.revertSha) return 'failed';
      const o = result.decision?.outcome;
      if (o === 'regression' || o === 'inconclusive' || o === 'no-metric') return `${o}-reverted`;
      if (result.reason === 'post-check-failed') return 'reverted-post-check';
      if (result.reason === 'touched-protected-path') return 'reverted-protected-path';
      if (result.reason === 'outside-scope') return 'reverted-outside-scope';
      return 'reverted';
    }
    default: {
      const never: never = result;
      throw new Error(`unknown result ${JSON.stringify(never)}`);
    }
  }
}

/** The summary table's wording: the status, plus the failure reason when the status does not already say it. */
export function statusLabel(status: IterationStatus, reason: string | undefined, targetReached: boolean): string {
  const self = status === 'failed' || status === 'reverted';
  const base = self && reason ? `${status}: ${reason}` : status;
  return targetReached ? `${base} 🎯` : base;
}
