/**
 * The round's winner comes onto the loop's branch: the only moment the operator's tree is touched. Operator
 * work found there is stashed by SHA first and put back after (kept, and named, when it no longer applies).
 * The range comes as it is (fast-forward) when the branch has not moved, else cherry-picked, else as one merge
 * commit, whose post-checks then run again in the operator's tree; a merge that fails them is reverted.
 */
import { relative } from 'node:path';
import type { LoopDeps } from '../loop/engine.js';
import type { LoopSettings } from '../loop/settings.js';
import { postCheckEnv, runPostChecks } from '../loop/post-check-phase.js';
import { iterNumber } from '../text/iteration-name.js';
import type { ParallelPorts, PromoteResult } from '../../ports/parallel.js';
import type { RunState } from '../loop/run-state.js';
import type { Git } from '../../ports/git.js';
import type { PromotionIntent } from './run-writer.js';

export type Promotion = { ok: true; how: PromoteResult['kind']; head: string } | { ok: false; reason: string };

const under = (path: string, dir: string | undefined): boolean => dir !== undefined && dir !== '' && (path === dir || path.startsWith(`${dir.replace(/\/$/, '')}/`));

export async function promoteWinner(
  x: { s: LoopSettings; d: LoopDeps; ports: ParallelPorts; state: RunState; intent?: (stash: string | undefined) => Promise<void> },
  w: { round: number; slot: number; iteration: number; base: string; tip: string },
): Promise<Promotion> {
  const { s, d } = x;
  const git = d.git;
  const dirty = (await git.status()).filter((e) => !under(e.path, s.ledgerRel));
  const stash = dirty.length > 0 ? await git.stashPush(`gdnctl-operator-round-${w.round}`) : undefined;
  try {
    const message = `gdnctl: promote candidate ${w.slot} of round ${w.round} (iteration ${iterNumber(w.iteration)})`;
    // Saved before the branch moves: a run killed from here on finds the promotion on resume, never applies it twice.
    await x.intent?.(stash);
    const r = await x.ports.trees.promote(w.base, w.tip, message);
    switch (r.kind) {
      case 'conflict':
        return { ok: false, reason: `its range does not apply onto the loop's branch (${r.paths.slice(0, 5).join(', ')}); it stays on its branch` };
      case 'fast-forward':
      case 'cherry-picked':
        return { ok: true, how: r.kind, head: r.head };
      case 'merged': {
        const checked = await recheck(x, w.iteration, r.head);
        if (checked) return { ok: true, how: r.kind, head: r.head };
        await git.revertRange(w.base, r.head, `gdnctl: revert the promotion of candidate ${w.slot} of round ${w.round}: its post-checks failed after the merge`);
        return { ok: false, reason: 'its post-checks failed after the merge onto the loop\'s branch; the merge is reverted' };
      }
      default: {
        const never: never = r;
        throw new Error(`unknown promotion ${JSON.stringify(never)}`);
      }
    }
  } finally {
    if (stash) await putBack(x, stash);
  }
}

async function recheck(x: { s: LoopSettings; d: LoopDeps }, iteration: number, head: string): Promise<boolean> {
  const { s, d } = x;
  if (s.postChecks.length === 0) return true;
  const iterDir = d.ledger.iterDir(iteration);
  const rel = relative(d.ledger.runDir, iterDir);
  const pc = await runPostChecks({
    runner: d.runner, clock: d.clock, checks: s.postChecks, retries: s.postCheckRetries, retrySleepMs: s.retrySleepMs, cwd: s.workdir,
    env: postCheckEnv(d.env, { iteration, runDir: d.ledger.runDir, iterDir, commit: head }, d.tpu?.current()),
    binDir: s.binDir, signal: d.signal, echo: (l) => d.console.echo(l),
    saveLog: async (k, text) => void (await d.ledger.writeFile(`${rel}/promotion-post-check-${k}.log`, text)),
  });
  return pc.ok;
}

export async function putBack(x: { d: LoopDeps; state: RunState }, sha: string): Promise<void> {
  const git = x.d.git;
  if ((await git.stashTrial(sha)).ok && (await git.stashApplyAndDrop(sha)).applied) return;
  x.state.keptStashes.push(sha);
  x.d.console.warn(`your uncommitted work no longer applies after the promotion; it is kept as stash ${sha.slice(0, 12)} (git stash list)`);
}

/** HEAD when the branch moved from `before` by the winner's range (fast-forward, merge, or its commits picked). */
export async function appliedHead(git: Git, x: PromotionIntent): Promise<string | undefined> {
  const head = await git.head();
  if (head === x.before) return undefined;
  if (await git.isAncestor(x.tip, head)) return head;
  const picked = (await git.commitsBetween(x.before, head)).map((c) => c.subject);
  const range = (await git.commitsBetween(x.base, x.tip)).map((c) => c.subject);
  return range.length > 0 && picked.length === range.length && picked.every((sub, i) => sub === range[i]) ? head : undefined;
}
