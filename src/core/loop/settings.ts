import type { FailurePolicy, LoopPolicies } from './policy.js';

/** Everything the engine needs from the resolved config, in engine units (ms, booleans). */
export interface LoopSettings {
  iterations: number;
  workdir: string;
  promptTemplate: string;
  /** Where the template came from (for error messages). */
  promptFile: string;
  /** Base session directives in order: presets, files, texts. Generated ones are appended per iteration. */
  directives: string[];
  sleepMs: number;
  retrySleepMs: number;
  requireClean: boolean;
  dirtyPolicy: 'fail' | 'stash';
  stashRestorePolicy: 'warn-keep' | 'fail';
  requireCommit: boolean;
  policies: LoopPolicies;
  postChecks: string[];
  postCheckRetries: number;
  agentRetries: number;
  /** Retries for transient agent errors (rate limit, network, 5xx), with exponential backoff and jitter. */
  transientRetries: number;
  transientMaxBackoffMs: number;
  agentTimeoutMs: number;
  agentIdleTimeoutMs: number;
  syncMain: { policy: 'off' | 'once' | 'each-iteration'; remote: string; branch: string; conflictPolicy: 'fail' | 'skip' };
  /** Globs from --protect; gdnctl.yaml is always added by protectedPathHits. */
  protect: string[];
  /** Globs the agent may change (from `gdnctl init --scope-glob`); empty = anywhere. */
  scope: string[];
  /** --target reached does not stop the loop. */
  continueAfterTarget: boolean;
  /** --plan-first: a read-only planning pass before each implementing pass. */
  planFirst: boolean;
  /** Absolute path of the hill-climb log (stamped after each agent commit). */
  hillclimbLog: string;
  /** Prepended to PATH for post-checks. */
  binDir: string;
  /** The log dir relative to the repository root; its files never count as the operator's work. */
  ledgerRel?: string;
}

export interface LoopConfigValues {
  iterations?: number | undefined;
  workdir: string;
  sleepSeconds: number;
  retrySleepSeconds: number;
  allowDirty: boolean;
  dirtyPolicy: 'fail' | 'stash';
  stashRestorePolicy: 'warn-keep' | 'fail';
  allowNoCommit: boolean;
  noCommitPolicy: FailurePolicy;
  postCheckPolicy: FailurePolicy;
  iterationErrorPolicy: FailurePolicy;
  maxFailures: number;
  maxConsecutiveFailures: number;
  postCheck: string[];
  postCheckRetries: number;
  codexRetries: number;
  codexTimeoutSeconds: number;
  codexIdleTimeoutSeconds: number;
  syncMainPolicy: 'off' | 'once' | 'each-iteration';
  syncMainRemote: string;
  syncMainBranch: string;
  syncMainConflictPolicy: 'fail' | 'skip';
  protect: string[];
  hillclimbLog: string;
  scopeGlob?: string[] | undefined;
  continueAfterTarget?: boolean | undefined;
  planFirst?: boolean | undefined;
}

/** Config values (after --resilient) → engine settings. */
export function loopSettings(
  v: LoopConfigValues,
  extra: { promptTemplate: string; promptFile: string; directives: string[]; binDir: string; ledgerRel?: string },
): LoopSettings {
  return {
    iterations: v.iterations ?? 1,
    workdir: v.workdir,
    promptTemplate: extra.promptTemplate,
    promptFile: extra.promptFile,
    directives: extra.directives,
    sleepMs: Math.round(v.sleepSeconds * 1000),
    retrySleepMs: Math.round(v.retrySleepSeconds * 1000),
    requireClean: !v.allowDirty,
    dirtyPolicy: v.dirtyPolicy,
    stashRestorePolicy: v.stashRestorePolicy,
    requireCommit: !v.allowNoCommit,
    policies: {
      noCommit: v.noCommitPolicy,
      postCheck: v.postCheckPolicy,
      iterationError: v.iterationErrorPolicy,
      maxFailures: v.maxFailures,
      maxConsecutiveFailures: v.maxConsecutiveFailures,
    },
    postChecks: v.postCheck,
    postCheckRetries: v.postCheckRetries,
    agentRetries: v.codexRetries,
    transientRetries: Math.max(v.codexRetries, 3),
    transientMaxBackoffMs: 10 * 60_000,
    agentTimeoutMs: Math.round(v.codexTimeoutSeconds * 1000),
    agentIdleTimeoutMs: Math.round(v.codexIdleTimeoutSeconds * 1000),
    syncMain: {
      policy: v.syncMainPolicy,
      remote: v.syncMainRemote,
      branch: v.syncMainBranch,
      conflictPolicy: v.syncMainConflictPolicy,
    },
    protect: v.protect,
    scope: v.scopeGlob ?? [],
    continueAfterTarget: v.continueAfterTarget ?? false,
    planFirst: v.planFirst ?? false,
    hillclimbLog: v.hillclimbLog,
    binDir: extra.binDir,
    ...(extra.ledgerRel !== undefined ? { ledgerRel: extra.ledgerRel } : {}),
  };
}
