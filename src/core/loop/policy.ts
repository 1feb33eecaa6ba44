import { policyFamily, type FailureReason, type LoopStop, type StopCause } from './outcome.js';

export type FailurePolicy = 'fail' | 'count-failure' | 'continue';

export interface LoopPolicies {
  noCommit: FailurePolicy;
  postCheck: FailurePolicy;
  iterationError: FailurePolicy;
  /** Total counted failures allowed; the loop stops when the count exceeds it. −1 = unlimited. */
  maxFailures: number;
  /** Counted failures in a row that stop the loop. −1 = off. */
  maxConsecutiveFailures: number;
}

export interface FailureCounters {
  failures: number;
  consecutiveFailures: number;
}

export interface Judgement {
  counters: FailureCounters;
  policy: 'counted' | 'continued' | 'stopped';
  stop?: LoopStop;
}

/** The policy that applies to a reason. Agent, protected-path and measurement failures always count (anchor §2.4). */
export function policyFor(reason: FailureReason, p: LoopPolicies): FailurePolicy | 'fatal' | 'budget' {
  const family = policyFamily(reason);
  switch (family) {
    case 'agent':
    case 'verify':
    case 'measure':
      return 'count-failure';
    case 'no-commit':
      return p.noCommit;
    case 'post-check':
      return p.postCheck;
    case 'iteration-error':
      return p.iterationError;
    case 'fatal':
    case 'budget':
      return family;
    default: {
      const never: never = family;
      throw new Error(`unknown family ${String(never)}`);
    }
  }
}

function stop(reason: FailureReason, cause: StopCause, iteration: number, detail: string): LoopStop {
  const why: Record<StopCause, string> = {
    'policy-fail': 'its policy is "fail"',
    'budget-total': 'the failure budget (--max-failures) is exhausted',
    'budget-consecutive': 'too many failures in a row (--max-consecutive-failures)',
    fatal: 'retrying cannot fix it',
    budget: 'a run budget ran out (raise it and run the same command again to go on)',
  };
  return { reason, cause, iteration, message: `iteration ${iteration}: ${reason} (${detail}); stopping because ${why[cause]}` };
}

/**
 * Apply the policies to one failed iteration: fail stops, count-failure counts against both budgets, continue
 * moves on without counting. Pure: the caller persists the returned counters.
 */
export function judgeFailure(
  reason: FailureReason,
  detail: string,
  iteration: number,
  policies: LoopPolicies,
  counters: FailureCounters,
): Judgement {
  const policy = policyFor(reason, policies);
  switch (policy) {
    case 'fatal':
    case 'budget':
      return { counters, policy: 'stopped', stop: stop(reason, policy, iteration, detail) };
    case 'fail':
      return { counters, policy: 'stopped', stop: stop(reason, 'policy-fail', iteration, detail) };
    case 'continue':
      return { counters, policy: 'continued' };
    case 'count-failure': {
      const next = { failures: counters.failures + 1, consecutiveFailures: counters.consecutiveFailures + 1 };
      if (policies.maxFailures >= 0 && next.failures > policies.maxFailures) {
        return { counters: next, policy: 'stopped', stop: stop(reason, 'budget-total', iteration, detail) };
      }
      if (policies.maxConsecutiveFailures >= 0 && next.consecutiveFailures >= policies.maxConsecutiveFailures) {
        return { counters: next, policy: 'stopped', stop: stop(reason, 'budget-consecutive', iteration, detail) };
      }
      return { counters: next, policy: 'counted' };
    }
    default: {
      const never: never = policy;
      throw new Error(`unknown policy ${String(never)}`);
    }
  }
}

/** A kept (or accepted no-change) iteration ends a failure streak; the total never resets (anchor §2.4). */
export function judgeSuccess(counters: FailureCounters): FailureCounters {
  return { failures: counters.failures, consecutiveFailures: 0 };
}
