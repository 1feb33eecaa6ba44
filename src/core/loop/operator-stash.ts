import type { Git } from '../../ports/git.js';

/** Where a stash that could not be restored is now, in words that were checked against git. */
export type KeptAt = 'stash-list' | 'held-ref';

/**
 * Puts the operator's stashed work back, by SHA. Positional refs (stash@{0}) would name the wrong entry once
 * the agent stashes too. The trial is `git merge-tree --write-tree` against HEAD (no checkout, so it stays
 * cheap on a 50k-file repository); only a clean trial is applied and dropped. A stash that does not apply
 * stays in `git stash list`, named, and is never dropped; the guard around the agent holds it under
 * refs/gdnctl/stash/<sha> too (git-guard.ts), so when an agent removed the entry it is put back before gdnctl
 * says where the work is.
 */
export class OperatorStash {
  constructor(
    private readonly git: Git,
    private readonly out: { info(m: string): void; warn(m: string): void },
  ) {}

  /** `name`: the stash message, used when the entry has to be put back into the list. */
  async restore(sha: string, name = 'gdnctl-operator'): Promise<{ restored: true } | { restored: false; keptAt: KeptAt }> {
    const short = sha.slice(0, 12);
    let canApply: boolean;
    let why = 'conflicts with HEAD';
    try {
      const trial = await this.git.stashTrial(sha);
      canApply = trial.ok;
      if (!trial.ok) why = `would not apply (${trial.reason}${trial.paths.length ? `: ${trial.paths.slice(0, 10).join(', ')}` : ''})`;
    } catch (e) {
      const keptAt = await this.keep(sha, name);
      this.out.warn(`trial apply of your stash ${short} failed to run (${(e as Error).message.split('\n')[0]}); kept it untouched ${where(keptAt, sha)}`);
      return { restored: false, keptAt };
    }
    if (!canApply) {
      const keptAt = await this.keep(sha, name);
      this.out.warn(`your stashed work ${short} ${why}; kept it ${where(keptAt, sha)} — apply it by hand: git stash apply ${sha}`);
      return { restored: false, keptAt };
    }
    const r = await this.git.stashApplyAndDrop(sha);
    if (!r.applied) {
      const keptAt = await this.keep(sha, name);
      this.out.warn(`your stashed work ${short} did not apply; kept it ${where(keptAt, sha)} — git stash apply ${sha}`);
      return { restored: false, keptAt };
    }
    if (!r.dropped) this.out.warn(`your stashed work ${short} is back in the tree, but its stash entry could not be dropped`);
    else this.out.info(`restored your stashed work ${short}`);
    return { restored: true };
  }

  private async isListed(sha: string): Promise<boolean> {
    return (await this.git.stashList().catch(() => [])).some((s) => s.sha === sha);
  }

  /** The stash is in `git stash list` when this returns 'stash-list'; it is put back there when it is not. */
  private async keep(sha: string, name: string): Promise<KeptAt> {
    if (await this.isListed(sha)) return 'stash-list';
    await this.git.stashStore(sha, name).catch(() => undefined);
    if (await this.isListed(sha)) return 'stash-list';
    await this.git.setRefs([{ ref: `refs/gdnctl/stash/${sha}`, sha }]).catch(() => undefined);
    return 'held-ref';
  }
}

/** The words after "kept it". */
export function where(keptAt: KeptAt, sha: string): string {
  return keptAt === 'stash-list' ? 'in git stash list' : `at refs/gdnctl/stash/${sha} (it is no longer in git stash list)`;
}
