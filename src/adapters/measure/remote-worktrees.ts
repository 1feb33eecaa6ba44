/**
 * The two trees on the TPU's workers, as the measurer's ports see them: the candidate tree is the BenchSite's
 * (synced from the working tree), the champion tree is a WorktreeProvider that keeps its tree (synced from a
 * short-lived local detached worktree of the champion commit, only when the champion moved).
 */
import { describeTpuShape } from '../../core/tpu-chips.js';
import type { BenchSite, WorktreeProvider } from '../../ports/bench.js';
import { withDetachedWorktree } from './worktree.js';
import type { RemoteBenchTarget } from './remote-target.js';

/** The champion tree: `<remote-root>/champion`, re-synced only when asked for another commit than it holds. */
export function remoteChampionTrees(target: RemoteBenchTarget, repoRoot: string): WorktreeProvider {
  return {
    keepsTrees: true,
    async withCheckout(sha, fn) {
      const dir = await target.ensureTree('champion', sha, (sync) => withDetachedWorktree(repoRoot, sha, sync));
      return fn(dir);
    },
  };
}

/** Where the benchmark runs when it runs on the TPU; the candidate is the working tree, which holds HEAD. */
export function remoteBenchSite(target: RemoteBenchTarget, repoRoot: string): BenchSite {
  let label = 'the TPU';
  return {
    where: 'tpu',
    async candidateTree(head, signal) {
      const loc = await target.location(signal);
      const n = loc.node;
      label = n
        ? `TPU ${describeTpuShape(n.acceleratorType)}, ${n.name} in ${n.zone}, ${loc.workers.length} worker(s)`
        : `worker hosts ${loc.workers.map((w) => w.host).join(', ')}`;
      return target.ensureTree('candidate', head, (sync) => sync(repoRoot), signal);
    },
    recover: (signal) => target.recover(signal),
    label: () => label,
    idle: () => target.idle(),
  };
}
