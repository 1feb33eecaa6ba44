import { UsageError } from '../../errors.js';
import type { BudgetSettings } from '../budget/caps.js';
import { DEFAULT_LIMIT_WAIT, type LimitWaitSettings } from '../budget/limit-wait.js';
import type { AgentBackend, ModelPrice } from '../budget/prices.js';
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
  /** --max-tokens, --max-cost-usd, --max-wall-hours, --max-tpu-hours (src/core/budget/); absent: no caps. */
  budget?: BudgetSettings;
  /** Usage limits with a reset time are waited out, up to --max-limit-wait-hours. */
  limitWait?: LimitWaitSettings;
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
  agent?: AgentBackend | undefined;
  model?: string | undefined;
  maxTokens?: number | undefined;
  maxCostUsd?: number | undefined;
  maxWallHours?: number | undefined;
  maxTpuHours?: number | undefined;
  maxLimitWaitHours?: number | undefined;
  modelPrices?: Record<string, ModelPrice> | undefined;
}

const HOUR_MS = 3_600_000;

/**
 * The caps in engine units. A cost cap needs the model's prices: without them it could never be checked,
 * so the run is refused (exit 2) naming the key to add.
 */
export function budgetSettings(v: LoopConfigValues): BudgetSettings | undefined {
  const b: BudgetSettings = {
    ...(v.maxTokens !== undefined ? { maxTokens: v.maxTokens } : {}),
    ...(v.maxWallHours !== undefined ? { maxWallMs: v.maxWallHours * HOUR_MS } : {}),
    ...(v.maxTpuHours !== undefined ? { maxTpuChipMs: v.maxTpuHours * HOUR_MS } : {}),
  };
  if (v.maxCostUsd !== undefined) {
    const backend = v.agent ?? 'codex';
    const model = v.model ?? '';
    const price = Object.hasOwn(v.modelPrices ?? {}, model) ? v.modelPrices?.[model] : undefined;
    if (!price) {
      throw new UsageError(
        `--max-cost-usd needs the price of model ${JSON.stringify(model)}: add modelPrices.${model}: {inputUsdPerMTok, cachedInputUsdPerMTok, outputUsdPerMTok} to gdnctl.yaml (USD per million tokens), or drop --max-cost-usd`,
      );
    }
    b.maxCostUsd = v.maxCostUsd;
    b.pricing = { backend, model, price };
  }
  return Object.keys(b).length ? b : undefined;
}

/** Config values (after --resilient) → engine settings. */
export function loopSettings(
  v: LoopConfigValues,
  extra: { promptTemplate: string; promptFile: string; directives: string[]; binDir: string; ledgerRel?: string },
): LoopSettings {
  const budget = budgetSettings(v);
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
    ...(budget ? { budget } : {}),
    limitWait: { ...DEFAULT_LIMIT_WAIT, ...(v.maxLimitWaitHours !== undefined ? { maxWaitMs: v.maxLimitWaitHours * HOUR_MS } : {}) },
  };
}
