import type { Git, RevertResult, StatusEntry } from '../../ports/git.js';
import type { Ledger } from '../../ports/ledger.js';
import { iterNumber } from '../text/iteration-name.js';
import type { LoopConsole } from './deps.js';
import { loopEventStream, type EmitLoopEvent } from './events.js';
import { OperatorStash, where } from './operator-stash.js';
import type { LoopStop } from './outcome.js';
import type { RunState } from './run-state.js';

/**
 * The steps that put the working tree back into a known state, shared by the loop's phases and by resume
 * (src/core/run/): stash what the agent left, revert an unvalidated range, restore the operator's stash. Each
 * records what it did in state.json and events.jsonl before it reports back, so a crash in between loses
 * nothing.
 *
 * Two faces: the loop calls the `…Step` functions with its own event stream; callers holding a ledger and a
 * console call the original functions, which build the same stream over those two.
 */
export interface TreeStepDeps {
  git: Git;
  ledger: Ledger;
  console: LoopConsole;
  state: RunState;
  /** Persist state.json (atomic). */
  saveState(): Promise<void>;
}

/** The loop's view: the same steps, reporting through the run's event stream (events.ts). */
export interface TreeStepPorts {
  git: Git;
  state: RunState;
  saveState(): Promise<void>;
  emit: EmitLoopEvent;
}

function portsOf(d: TreeStepDeps): TreeStepPorts {
  return { git: d.git, state: d.state, saveState: () => d.saveState(), emit: loopEventStream(d.ledger, d.console) };
}

/**
 * Anything uncommitted is stashed by SHA under a named message: reported, never dropped. Returns the status it
 * looked at (empty = clean) and the stash SHA when it stashed. Under --allow-dirty the tree was never clean:
 * what is uncommitted may be the operator's, so it stays put.
 */
export async function stashLeftovers(
  d: TreeStepDeps,
  iteration: number,
  message: string,
  requireClean: boolean,
  status?: StatusEntry[],
): Promise<{ status: StatusEntry[]; sha?: string }> {
  return stashLeftoversStep(portsOf(d), iteration, message, requireClean, status);
}

export async function stashLeftoversStep(
  p: TreeStepPorts,
  iteration: number,
  message: string,
  requireClean: boolean,
  status?: StatusEntry[],
): Promise<{ status: StatusEntry[]; sha?: string }> {
  const seen = status ?? (await p.git.status());
  if (seen.length === 0 || !requireClean) return { status: seen };
  const sha = await p.git.stashPush(message);
  if (!sha) return { status: seen };
  p.state.leftoverStashes.push(sha);
  await p.saveState();
  await p.emit({ type: 'leftovers-stashed', iteration, sha, message, paths: seen.map((e) => e.path) });
  return { status: seen, sha };
}

/** The stash message of an iteration's leftovers (`gdnctl-leftover-iter-007`, `…-attempt-2`, `…-interrupted`). */
export function leftoverMessage(iteration: number, suffix?: string): string {
  return `gdnctl-leftover-iter-${iterNumber(iteration)}${suffix ? `-${suffix}` : ''}`;
}

/**
 * Put the operator's stashed work back (OperatorStash: trial first, never dropped unless applied). A stash
 * that does not apply stays in `git stash list` and is named in state.json's keptStashes; under
 * --stash-restore-policy fail that is a stop.
 */
export async function restoreOperatorStash(
  d: TreeStepDeps,
  iteration: number,
  stashRestorePolicy: 'warn-keep' | 'fail',
): Promise<{ restored: boolean; stop?: LoopStop } | undefined> {
  return restoreOperatorStashStep(portsOf(d), iteration, stashRestorePolicy);
}

export async function restoreOperatorStashStep(
  p: TreeStepPorts,
  iteration: number,
  stashRestorePolicy: 'warn-keep' | 'fail',
): Promise<{ restored: boolean; stop?: LoopStop } | undefined> {
  const sha = p.state.operatorStash;
  if (!sha) return undefined;
  // Console-only events: the stream renders them before it returns, so nothing is left to wait for.
  const out = { info: (message: string) => void p.emit({ type: 'info', message }), warn: (message: string) => void p.emit({ type: 'warning', message }) };
  const name = `gdnctl-operator-iter-${iterNumber(iteration)}`;
  const r = await new OperatorStash(p.git, out).restore(sha, name);
  p.state.operatorStash = undefined;
  if (r.restored) {
    await p.emit({ type: 'operator-restored', iteration, sha });
    await p.saveState();
    return { restored: true };
  }
  p.state.keptStashes.push(sha);
  await p.saveState();
  await p.emit({ type: 'operator-stash-kept', iteration, sha });
  if (stashRestorePolicy !== 'fail') return { restored: false };
  return {
    restored: false,
    stop: {
      reason: 'stash-restore-conflict',
      cause: 'policy-fail',
      iteration,
      message: `iteration ${iteration}: your stashed work ${sha} does not apply cleanly; it is kept ${where(r.keptAt, sha)}${r.keptAt === 'stash-list' ? ` (${name})` : ''}; apply it by hand with: git stash apply ${sha}`,
    },
  };
}

/**
 * Undo an unvalidated range with one revert commit (history kept). The `revert` event is written before the
 * work starts, so a resume after a crash mid-revert knows what was under way (and aborts the half-done revert).
 */
export async function revertUnvalidated(
  d: Pick<TreeStepDeps, 'git' | 'ledger' | 'console'>,
  iteration: number,
  range: { from: string; to: string },
  reason: string,
  message: string,
  beforeRevert?: () => void,
): Promise<RevertResult> {
  return revertUnvalidatedStep({ git: d.git, emit: loopEventStream(d.ledger, d.console) }, iteration, range, reason, message, beforeRevert);
}

export async function revertUnvalidatedStep(
  p: Pick<TreeStepPorts, 'git' | 'emit'>,
  iteration: number,
  range: { from: string; to: string },
  reason: string,
  message: string,
  beforeRevert?: () => void,
): Promise<RevertResult> {
  await p.emit({ type: 'revert', iteration, from: range.from, to: range.to, reason });
  beforeRevert?.();
  const r = await p.git.revertRange(range.from, range.to, message);
  if (r.kind === 'reverted') await p.emit({ type: 'reverted', iteration, reason, sha: r.sha });
  return r;
}
