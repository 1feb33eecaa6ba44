/**
 * `--bench-on ray`: the RayEnvGuard a decision checks each job's host with. After a change of host it applies
 * the TPU site's rule (env-change.ts) with Ray jobs as the measurement: the baseline at its own commit and the
 * champion, each one job whose candidate tree is that commit's checkout (the working tree when it is HEAD).
 */
import { join } from 'node:path';
import type { BaselineRecord, BaselineStore, ChampionStore, EnvSnapshot, WorktreeProvider } from '../../ports/bench.js';
import type { RayEnvGuard } from './batch-measure.js';
import { measureAgainAfterEnvChange } from './env-change.js';
import type { Runs } from './sampling.js';

/** A Ray measurement's runs with the snapshot of the host its job ran on. */
export type RayRuns = Runs & { env?: EnvSnapshot | undefined };

export interface RayEnvGuardInput {
  /** The run's baseline folder. */
  own: string;
  runDir: string;
  /** The working tree: the candidate at HEAD, which Ray packages by default. */
  repoRoot: string;
  head: string;
  /** Where the re-measure jobs' records go (env-change-<k>/ of the iteration). */
  iterDir: string;
  say: (msg: string) => void;
  ports: { worktrees: WorktreeProvider; baselines: BaselineStore; champions: ChampionStore };
  /** N runs of `head` as one job; treeDir is the candidate tree when it is not the working tree. */
  runs: (head: string, recordDir: string, treeDir?: string) => Promise<RayRuns>;
  record: (head: string, r: Extract<Runs, { ok: true }>, snap: EnvSnapshot) => BaselineRecord;
}

export function rayEnvGuard(g: RayEnvGuardInput): RayEnvGuard {
  let jobs = 0;
  return {
    baseline: () => g.ports.baselines.read(g.own),
    rebaseline: (base, snap) => {
      // The shared rule hands out folders; a Ray job needs the commit too (its metadata, its snapshot's SHA).
      const shaOf = new Map<string, string>([[g.repoRoot, g.head]]);
      const worktrees: WorktreeProvider = {
        ...g.ports.worktrees,
        withCheckout: (sha, fn) => g.ports.worktrees.withCheckout(sha, (dir) => (shaOf.set(dir, sha), fn(dir))),
      };
      return measureAgainAfterEnvChange({
        base, snap, head: g.head, candidateDir: g.repoRoot, baselineDir: g.own, runDir: g.runDir, say: g.say,
        ports: { ...g.ports, worktrees },
        measure: (dir) => g.runs(shaOf.get(dir) ?? g.head, join(g.iterDir, `env-change-${++jobs}`), dir === g.repoRoot ? undefined : dir),
        // Keyed by the host the baseline's own job ran on (normally the decision's, which it was scheduled like).
        record: (r) => g.record(base.head, r, (r as RayRuns).env ?? snap),
      });
    },
  };
}
