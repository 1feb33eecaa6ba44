/**
 * Which profiles the memory compares: a candidate's hotspots.json against the one of the champion it was measured
 * against. Pure; iteration-memory.ts reads the files and caches them.
 */
import { diffHotspots, hotspotDiffMarkdown, type HotspotDiff, type HotspotProfile } from '../hotspots.js';
import { iterName, type LedgerRow } from './leaderboard.js';
import { escalationFromDiff, renderHotspots } from './memory-text.js';

/**
 * The champion iteration `n` was compared with: the last promotion before it, or, in a run without a benchmark,
 * the last kept iteration (each builds on it); 0 (the baseline, or --bootstrap-infra's iteration 0) when none.
 */
export function championIterationOf(rows: readonly LedgerRow[], n: number): number {
  let champ = 0;
  for (const r of rows) {
    if (r.iteration >= n) continue;
    if (r.outcome === 'promoted' || (r.outcome === 'kept' && !r.reverted)) champ = Math.max(champ, r.iteration);
  }
  return champ;
}

export interface ProfilePair {
  champion: { n: number; profile: HotspotProfile };
  candidate: { n: number; profile: HotspotProfile };
  diff: HotspotDiff;
}

export function pairProfiles(champion: { n: number; profile: HotspotProfile | undefined }, candidate: { n: number; profile: HotspotProfile }): ProfilePair | undefined {
  if (!champion.profile || champion.profile.ops.length === 0 || champion.n === candidate.n) return undefined;
  return { champion: { n: champion.n, profile: champion.profile }, candidate, diff: diffHotspots(champion.profile, candidate.profile) };
}

const labels = (p: ProfilePair): { champion: string; candidate: string } => ({ champion: iterName(p.champion.n), candidate: iterName(p.candidate.n) });

/** {{HOTSPOTS}} and summary.md's profile: the delta table when the champion has a profile, else the candidate's own table. */
export function profileText(candidate: { n: number; profile: HotspotProfile }, pair: ProfilePair | undefined): string {
  return pair ? hotspotDiffMarkdown(pair.diff, labels(pair)) : renderHotspots(iterName(candidate.n), candidate.profile.ops);
}

export function escalationFromPair(lastGainPct: number | undefined, pair: ProfilePair): string | undefined {
  return escalationFromDiff(lastGainPct, pair.diff, labels(pair));
}
