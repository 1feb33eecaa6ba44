/**
 * The TPU under a run can change: a preempted node is re-acquired in a fallback cluster of another type, or with
 * another runtime. Numbers from the old one are not comparable, so before the next decision the baseline is
 * measured again (at its own commit) and so is the champion, and the decision's reason says so:
 *
 *   baseline.json's envFingerprint ≠ the snapshot's ─▶ old baseline kept in baseline/replaced-<fp>/
 *     ─▶ N runs of the baseline commit (the candidate tree when it is HEAD, else the champion tree)
 *     ─▶ N runs of the champion (the baseline's runs when it is the baseline) ─▶ champion.json (env-changed)
 */
import { join } from 'node:path';
import type { BaselineRecord, BaselineStore, ChampionStore, EnvSnapshot, WorktreeProvider } from '../../ports/bench.js';
import { formatResultTxt } from './baseline.js';
import { median } from '../stats/descriptive.js';
import type { Runs } from './sampling.js';

export interface EnvChangeInput {
  base: BaselineRecord;
  snap: EnvSnapshot;
  /** The candidate's commit, whose tree is synced at candidateDir. */
  head: string;
  candidateDir: string;
  baselineDir: string;
  runDir: string;
  ports: { worktrees: WorktreeProvider; baselines: BaselineStore; champions: ChampionStore };
  /** N runs (with warm-ups) in a folder. */
  measure: (dir: string) => Promise<Runs>;
  /** The new baseline's record from its runs. */
  record: (r: Extract<Runs, { ok: true }>) => BaselineRecord;
  say: (msg: string) => void;
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

export async function measureAgainAfterEnvChange(i: EnvChangeInput): Promise<{ ok: true; note: string } | { ok: false; reason: string }> {
  const was = i.base.envLabel ?? 'the earlier TPU';
  i.say(`the TPU changed (${was} → ${i.snap.label}): measuring the baseline and the champion again before the next decision`);
  const at = <T>(sha: string, fn: (dir: string) => Promise<T>): Promise<T> => (sha === i.head ? fn(i.candidateDir) : i.ports.worktrees.withCheckout(sha, fn));
  const b = await at(i.base.head, i.measure);
  if (!b.ok) return { ok: false, reason: `re-measuring the baseline on the new TPU (${i.snap.label}) failed: ${b.reason}` };
  const record: BaselineRecord = {
    ...i.record(b),
    replaced: { envFingerprint: i.base.envFingerprint, envLabel: i.base.envLabel, median: i.base.median },
  };
  await i.ports.baselines.copy(i.baselineDir, join(i.baselineDir, `replaced-${i.base.envFingerprint ?? 'unknown'}`));
  const resultTxt = formatResultTxt(record.values, {
    Metric: `${record.metric} (${record.direction} is better)`,
    'Measured on': i.snap.label,
    Replaces: `median ${fmt(i.base.median)} measured on ${was}`,
  });
  await i.ports.baselines.write(i.baselineDir, { record, resultTxt, envSnapshot: i.snap.text });

  const champ = await i.ports.champions.read(i.runDir);
  let champNote = '';
  if (champ) {
    const c = champ.sha === i.base.head ? b : await at(champ.sha, i.measure);
    if (!c.ok) return { ok: false, reason: `re-measuring the champion ${champ.sha.slice(0, 12)} on the new TPU (${i.snap.label}) failed: ${c.reason}` };
    const m = median(c.values);
    await i.ports.champions.write(i.runDir, { ...champ, values: c.values, median: m, source: 'env-changed' });
    champNote = `, champion ${champ.sha.slice(0, 12)} ${fmt(champ.median)} → ${fmt(m)}`;
  }
  const note = `the TPU changed (${was} → ${i.snap.label}); baseline and champion re-measured first: baseline ${fmt(i.base.median)} → ${fmt(record.median)}${champNote}`;
  i.say(note);
  return { ok: true, note };
}
