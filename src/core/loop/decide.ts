import { enter, type IterationContext, type PhaseOutcome } from './context.js';

/**
 * decide: the range stays. Without a measurer every kept change is the new champion; with one, only a
 * promoted change is (kept-within-noise and kept-inconclusive stay, but do not move the yardstick).
 */
export async function decide(c: IterationContext): Promise<PhaseOutcome> {
  const range = c.it.range;
  if (!range) throw new Error('decide: verify-commit has not run');
  await enter(c, { phase: 'decide' });
  const head = c.it.head ?? (await c.d.git.head());
  const decision = c.it.decision;
  // The measurer owns the champion (champion.json); state.json mirrors its decision. Without a measurer the
  // kept change is the champion.
  if (decision?.championSha) c.state.champion = decision.championSha;
  else if (!decision || decision.outcome === 'promoted') c.state.champion = head;
  const result = { kind: 'kept' as const, range, ...(c.it.stampSha ? { stampSha: c.it.stampSha } : {}), ...(decision ? { decision } : {}) };
  return { kind: 'end', result };
}
