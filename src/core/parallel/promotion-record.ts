/**
 * The round's promotion as the ledger keeps it, so a kill at any point of it never promotes twice: the intent is
 * saved before the loop's branch moves (promotion.ts calls back), completed with the new HEAD once applied, and
 * announced once (champion.json, state.json, the candidate-promoted event). A resumed round that finds an intent
 * looks at the branch: the winner's range there → kept as it is (no ranking, no second application); not there →
 * the operator's stash put back and the round promotes as if for the first time.
 */
import type { LoopDeps } from '../loop/engine.js';
import type { ParallelPorts } from '../../ports/parallel.js';
import { appliedHead, putBack } from './promotion.js';
import type { CandidateEntry, ParallelRunState, ParallelStateFields, PromotionIntent, RunWriter } from './run-writer.js';

export interface PromotionRecordContext {
  d: LoopDeps;
  state: ParallelRunState;
  p: ParallelStateFields;
  w: RunWriter;
  ports: ParallelPorts;
}

/** The promotion is the round's champion: champion.json, state.json, and (once) the candidate-promoted event. */
export async function announcePromotion(x: PromotionRecordContext, e: CandidateEntry, head: string, how: string, extra: Record<string, unknown>): Promise<void> {
  const intent = x.p.promotion!;
  x.state.champion = head;
  await x.ports.championPromoted(e.slot, head, e.iteration);
  if (!intent.announced) {
    await x.w.event('candidate-promoted', { round: intent.round, slot: e.slot, iteration: e.iteration, how, head, ...extra });
    intent.announced = true;
  }
  await x.w.saveState();
}

/** The winner's entry when the pending promotion is already on the loop's branch; undefined to promote afresh. */
export async function resumePromotion(x: PromotionRecordContext, pending: PromotionIntent): Promise<CandidateEntry | undefined> {
  const { d } = x;
  const e = x.p.candidates.find((c) => c.slot === pending.slot);
  const stashed = pending.stash !== undefined && (await d.git.stashList()).some((s) => s.sha === pending.stash);
  if (stashed && pending.head === undefined) await putBack({ d, state: x.state }, pending.stash!);
  const head = pending.head ?? (await appliedHead(d.git, pending));
  if (!e || head === undefined) {
    x.p.promotion = undefined;
    return undefined;
  }
  pending.head = head;
  pending.how ??= 'resumed';
  d.console.info(`round ${pending.round}: candidate ${pending.slot}'s promotion was already on the loop's branch (${head.slice(0, 12)}); not applied again`);
  await announcePromotion(x, e, head, pending.how, { resumed: true });
  return e;
}
