/**
 * Where dev-tpu-profile puts a run's traces and which older ones it prunes (docs/decisions.md "Profiles belong
 * to the ledger"): in a loop `$GDNCTL_ITER_DIR/profile/`, otherwise `<profilesDir or logDir/profiles>/<run-name>/`,
 * never loose in the working tree; on the workers under the remote user's home, one folder per run.
 */
import { basename, dirname, resolve } from 'node:path';
import type { CommandContext } from '../command-spec.js';
import { excludeFromGit } from '../../adapters/measure/git-exclude.js';
import { adhocProfiles, championLineage, loopProfiles, removeProfile, type StoredProfile } from '../../adapters/profile/profile-store.js';
import { profilePlacement, profilesToPrune, workerPruneScript, type ProfilePlacement } from '../../core/profile-plan.js';

export interface ProfileOutput {
  placement: ProfilePlacement;
  /** Shell lines for the workers: prune this scope's runs that are not kept. */
  workerPrune: string;
  /** Keep the local folder out of `git status` (outside a loop; the loop's ledger is excluded already). */
  hideFromGit(): Promise<void>;
  /** Remove the local traces retention does not keep (after this run's traces are in). */
  pruneLocal(): void;
}

export function planProfileOutput(ctx: CommandContext, runName: string): ProfileOutput {
  const v = ctx.config.values;
  const repoRoot = ctx.config.repoRoot;
  const iterDir = ctx.env.GDNCTL_ITER_DIR ? resolve(ctx.env.GDNCTL_ITER_DIR) : undefined;
  const runDir = iterDir ? resolve(ctx.env.GDNCTL_RUN_DIR ?? dirname(iterDir)) : undefined;
  const logDir = resolve(repoRoot, v.logDir);
  const profilesRoot = v.profilesDir ? resolve(repoRoot, v.profilesDir) : resolve(logDir, 'profiles');
  const placement = profilePlacement({ runName, repoRoot, iterDir, loopRunId: runDir ? basename(runDir) : undefined, profilesRoot });

  const stored: StoredProfile[] = runDir ? loopProfiles(runDir) : adhocProfiles(profilesRoot);
  const iteration = iterDir ? /^iter-(\d+)$/.exec(basename(iterDir))?.[1] : undefined;
  // The current run replaces whatever its folder held (an earlier profile of the same iteration).
  const others = stored.filter((p) => p.dir !== placement.localDir && p.runName !== runName);
  const current: StoredProfile = { runName, dir: placement.localDir, order: Number.MAX_SAFE_INTEGER, iteration: iteration === undefined ? undefined : Number(iteration) };
  const { keep, prune } = profilesToPrune([...others, current], { keep: v.keepProfiles, lineage: runDir ? championLineage(runDir) : new Set(), current: runName });
  return {
    placement,
    workerPrune: workerPruneScript(placement.workerScopeDir, keep.map((p) => p.runName)),
    hideFromGit: async () => {
      if (!iterDir) await excludeFromGit(repoRoot, v.profilesDir ? profilesRoot : logDir);
    },
    pruneLocal: () => {
      for (const p of prune) removeProfile(p);
    },
  };
}
