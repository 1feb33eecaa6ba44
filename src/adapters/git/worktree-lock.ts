/**
 * One `git worktree add` / `prune` at a time in this process. git takes no lock over `.git/worktrees/`: an add
 * reads every other entry while another add may have written only half of its own ("failed to read
 * .git/worktrees/c2/commondir"), and a prune may take that half-made entry for a stale one. Parallel candidates
 * add their worktrees and their champion checkouts at the same time, so every add goes through here.
 */
let chain: Promise<unknown> = Promise.resolve();

export function withWorktreeLock<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.then(fn, fn);
  chain = next.catch(() => undefined);
  return next;
}
