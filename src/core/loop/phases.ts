/**
 * The phases of one loop iteration (docs/architecture.md "The loop"), walked by driver.ts. Each arrow is an event
 * in events.jsonl, written before the phase's work starts, so a resumed run knows where it stopped.
 *
 *  preflight ─▶ guard-tree ─▶ sync-main ─▶ prompt ─▶ agent ─▶ verify-commit ─▶ stamp ─▶ post-checks ─▶ measure ─▶ decide ─▶ record
 *   (lock,       (dirty       (optional)   (template,  (codex     (HEAD moved     (log SHA  (in order,     (bench,      (keep /    (ledger,
 *   TPU held)    policy)                   directives, exec)      forward, tree   in own    captured)      A/B)         revert)    restore
 *                                          memory)                clean, scope)   commit)                                          stash)
 *
 * With --plan-first, `plan` (a read-only agent pass writing iter-NNN/plan.md) runs between prompt and agent.
 * A failure in any phase becomes an IterationOutcome with a kebab-case reason; the policies then decide
 * (src/core/loop/policy.ts). `preflight` runs once per run, the others once per iteration.
 */
export type Phase =
  | 'preflight'
  | 'guard-tree'
  | 'sync-main'
  | 'prompt'
  | 'plan'
  | 'agent'
  | 'verify-commit'
  | 'stamp'
  | 'post-checks'
  | 'measure'
  | 'decide'
  | 'record';

/** The phases an iteration walks; `preflight` is the run's, before the first one. */
export type IterationPhase = Exclude<Phase, 'preflight'>;

export const ITERATION_PHASES: readonly Phase[] = [
  'guard-tree',
  'sync-main',
  'prompt',
  'plan',
  'agent',
  'verify-commit',
  'stamp',
  'post-checks',
  'measure',
  'decide',
  'record',
];

/** Does an interruption in this phase leave agent work in the tree that a resume must stash? */
export function phaseMayLeaveAgentEdits(phase: Phase): boolean {
  switch (phase) {
    case 'preflight':
    case 'guard-tree':
    case 'sync-main':
    case 'prompt':
    // 'record' starts after leftovers were stashed; the tree may hold the operator's restored work.
    case 'record':
      return false;
    case 'plan':
    case 'agent':
    case 'verify-commit':
    case 'stamp':
    case 'post-checks':
    case 'measure':
    case 'decide':
      return true;
    default: {
      const never: never = phase;
      throw new Error(`unknown phase ${String(never)}`);
    }
  }
}

/** Short label for the console status line. */
export function phaseLabel(phase: Phase): string {
  switch (phase) {
    case 'preflight':
      return 'preflight';
    case 'guard-tree':
      return 'checking the tree';
    case 'sync-main':
      return 'syncing main';
    case 'prompt':
      return 'building the prompt';
    case 'plan':
      return 'planning (read-only)';
    case 'agent':
      return 'agent running';
    case 'verify-commit':
      return 'verifying the commit';
    case 'stamp':
      return 'stamping the log';
    case 'post-checks':
      return 'post-checks';
    case 'measure':
      return 'measuring';
    case 'decide':
      return 'deciding';
    case 'record':
      return 'recording';
    default: {
      const never: never = phase;
      throw new Error(`unknown phase ${String(never)}`);
    }
  }
}
