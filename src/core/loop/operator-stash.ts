import type { Git } from '../../ports/git.js';

/**
 * Puts the operator's stashed work back, by SHA. Positional refs (stash@{0}) would name the wrong entry once
 * the agent stashes too. The trial is `git merge-tree --write-tree` against HEAD (no checkout, so it stays
 * cheap on a 50k-file repository); only a clean trial is applied and dropped. A stash that does not apply
 * stays in `git stash list`, named, and is never dropped.
 */
export class OperatorStash {
  constructor(
    private readonly git: Git,
    private readonly out: { info(m: string): void; warn(m: string): void },
  ) {}

  async restore(sha: string): Promise<boolean> {
    const short = sha.slice(0, 12);
    let canApply: boolean;
    let why = 'conflicts with HEAD';
    try {
      const trial = await this.git.stashTrial(sha);
      canApply = trial.ok;
      if (!trial.ok) why = `would not apply (${trial.reason}${trial.paths.length ? `: ${trial.paths.slice(0, 10).join(', ')}` : ''})`;
    } catch (e) {
      this.out.warn(`trial apply of your stash ${short} failed to run (${(e as Error).message.split('\n')[0]}); kept it untouched`);
      return false;
    }
    if (!canApply) {
      this.out.warn(`your stashed work ${short} ${why}; kept it in git stash list — apply it by hand: git stash apply ${sha}`);
      return false;
    }
    const r = await this.git.stashApplyAndDrop(sha);
    if (!r.applied) {
      this.out.warn(`your stashed work ${short} did not apply; kept it in git stash list — git stash apply ${sha}`);
      return false;
    }
    if (!r.dropped) this.out.warn(`your stashed work ${short} is back in the tree, but its stash entry could not be dropped`);
    else this.out.info(`restored your stashed work ${short}`);
    return true;
  }
}
