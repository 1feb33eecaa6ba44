import { check, enter, NEXT, type IterationContext, type PhaseOutcome } from './context.js';
import { rangeToHead } from './revert.js';

/**
 * measure: the measurer (src/core/measure/) benchmarks HEAD against the champion and decides keep or revert.
 * A regression or a missing metric is reverted with the stamp commit; its decision goes into the record.
 */
export async function measure(c: IterationContext): Promise<PhaseOutcome> {
  const range = c.it.range;
  const measurer = c.d.measurer;
  if (!range || c.it.headBefore === undefined) throw new Error('measure: verify-commit has not run');
  if (!measurer) return NEXT;
  await enter(c, { phase: 'measure', commit: range.to });
  const decision = await measurer.decide({
    iteration: c.it.i,
    iterDir: c.it.iterDir,
    head: c.it.head ?? range.to,
    championSha: c.state.champion ?? c.it.headBefore,
    signal: c.d.signal,
  });
  check(c);
  c.it.decision = decision;
  if (!decision.revert) return NEXT;
  const reason = decision.outcome === 'no-metric' ? 'no-metric' : 'measure-regression';
  return { kind: 'revert', range: rangeToHead(c, range), reason, detail: decision.reason, decision };
}
