import { join } from 'node:path';
import { z } from 'zod';
import { opt } from '../option-meta.js';
import { packageRoot } from '../../package-root.js';

const LOOP = ['codex-loop'] as const;
const failurePolicy = () => z.enum(['fail', 'count-failure', 'continue']);

/**
 * `gdnctl codex-loop`: the loop engine's own keys (the agent's keys live in agent.ts). Defaults are the anchor's
 * (docs/decisions.md "Inherited from the Python tool", §1.12) except --max-consecutive-failures (new, off) and --prompt-file
 * (the packaged template).
 */
export const loopOptions = {
  iterations: opt(z.number().int().min(1).optional(), {
    help: 'the run\'s total number of iterations (a resumed run continues up to this number); required',
    commands: LOOP,
    valueName: '<n>',
  }),
  promptFile: opt(z.string().min(1).default(join(packageRoot(), 'prompts', 'codex_iteration_prompt.md')), {
    help: 'iteration prompt template ({{ITERATION}}, {{TOTAL_ITERATIONS}}, {{HEAD_SHA}} …); default: the packaged one',
    commands: LOOP,
    path: true,
    valueName: '<file>',
  }),
  directive: opt(z.array(z.string().min(1)).default([]), {
    help: 'extra session directive text, appended as a [Directive k] block',
    commands: LOOP,
    valueName: '<text>',
  }),
  directiveFile: opt(z.array(z.string().min(1)).default([]), {
    help: 'file whose content becomes one session directive (must exist and not be empty)',
    commands: LOOP,
    path: true,
    valueName: '<file>',
  }),
  directivePreset: opt(z.array(z.string().min(1)).default([]), {
    help: 'named session directive preset (see gdnctl directives list)',
    commands: LOOP,
    valueName: '<name>',
  }),
  sleepSeconds: opt(z.number().min(0).default(5), {
    help: 'pause between iterations (not after the last)',
    commands: LOOP,
    valueName: '<s>',
  }),
  logDir: opt(z.string().min(1).default('.agents/logs/gdn_codex_loop'), {
    help: 'run ledger folder (relative to the workdir; added to .git/info/exclude)',
    commands: [...LOOP, 'baseline', 'status', 'report', 'dev-tpu-allocate', 'dev-tpu-status', 'dev-tpu-release', 'dev-tpu-test', 'dev-tpu-profile', 'ray-test', 'ray-profile'],
    path: true,
    valueName: '<dir>',
  }),
  allowDirty: opt(z.boolean().default(false), {
    help: 'skip the clean-tree check at iteration start',
    commands: LOOP,
  }),
  dirtyPolicy: opt(z.enum(['fail', 'stash']).default('fail'), {
    help: 'dirty tree at iteration start: refuse and list the paths, or stash by SHA and restore afterwards',
    commands: LOOP,
    valueName: '<policy>',
  }),
  stashRestorePolicy: opt(z.enum(['warn-keep', 'fail']).default('warn-keep'), {
    help: 'operator stash does not apply cleanly: keep it, name it and continue, or keep it and stop',
    commands: LOOP,
    valueName: '<policy>',
  }),
  allowNoCommit: opt(z.boolean().default(false), {
    help: 'an iteration without a new commit is fine (no-commit policy not applied)',
    commands: LOOP,
  }),
  noCommitPolicy: opt(failurePolicy().default('fail'), {
    help: 'agent made no commit: stop with exit 3, count a failure, or continue',
    commands: LOOP,
    valueName: '<policy>',
  }),
  iterationErrorPolicy: opt(failurePolicy().default('fail'), {
    help: 'an iteration hit an unexpected error (dirty tree, sync failure, bad history): stop, count, or continue',
    commands: LOOP,
    valueName: '<policy>',
  }),
  postCheck: opt(z.array(z.string().min(1)).default([]), {
    help: 'shell command run with bash -lc in the workdir after each commit, in order',
    commands: [...LOOP, 'init'],
    valueName: '<cmd>',
  }),
  postCheckPolicy: opt(failurePolicy().default('fail'), {
    help: 'a post-check failed (range reverted first): stop, count a failure, or continue',
    commands: LOOP,
    valueName: '<policy>',
  }),
  postCheckRetries: opt(z.number().int().min(0).default(0), {
    help: 'extra attempts per post-check',
    commands: LOOP,
    valueName: '<n>',
  }),
  retrySleepSeconds: opt(z.number().min(0).default(20), {
    help: 'pause between agent / post-check retries (agent transient errors back off exponentially from it)',
    commands: LOOP,
    valueName: '<s>',
  }),
  codexRetries: opt(z.number().int().min(0).default(0), {
    help: 'extra agent attempts per iteration',
    commands: LOOP,
    valueName: '<n>',
  }),
  codexTimeoutSeconds: opt(z.number().positive().default(7200), {
    help: 'wall-clock limit per agent attempt (the whole process group is killed)',
    commands: LOOP,
    valueName: '<s>',
  }),
  codexIdleTimeoutSeconds: opt(z.number().positive().default(900), {
    help: 'no-output limit per agent attempt',
    commands: LOOP,
    valueName: '<s>',
  }),
  maxFailures: opt(z.number().int().min(-1).default(0), {
    help: 'stop when counted failures exceed this total; -1 = unlimited',
    commands: LOOP,
    valueName: '<n>',
  }),
  maxConsecutiveFailures: opt(z.number().int().min(-1).default(-1), {
    help: 'stop when this many failures come in a row; -1 = off',
    commands: LOOP,
    valueName: '<n>',
  }),
  resilient: opt(z.boolean().default(false), {
    help: 'unattended mode: stash dirty trees, count failures instead of stopping, retry (see --print-config)',
    commands: LOOP,
  }),
  syncMainPolicy: opt(z.enum(['off', 'once', 'each-iteration']).default('off'), {
    help: 'merge the main branch before the agent runs: never, before the first iteration, or before each',
    commands: LOOP,
    valueName: '<policy>',
  }),
  syncMainRemote: opt(z.string().min(1).default('origin'), {
    help: 'remote to fetch for sync-main',
    commands: LOOP,
    valueName: '<remote>',
  }),
  syncMainBranch: opt(z.string().min(1).default('main'), {
    help: 'branch to merge for sync-main',
    commands: LOOP,
    valueName: '<branch>',
  }),
  syncMainConflictPolicy: opt(z.enum(['fail', 'skip']).default('fail'), {
    help: 'sync-main merge conflicts (merge aborted): stop, or continue unsynced',
    commands: LOOP,
    valueName: '<policy>',
  }),
  protect: opt(z.array(z.string().min(1)).default([]), {
    help: 'glob of paths the agent must not change (gdnctl.yaml always is); a touching range is reverted',
    commands: LOOP,
    valueName: '<glob>',
  }),
  protectChecks: opt(z.boolean().default(true), {
    help: 'also protect what the checks are made of: the folder of each script file a --bench or --post-check command names, and every testSuites file that exists (--no-protect-checks: only --protect and gdnctl.yaml)',
    commands: LOOP,
  }),
  planFirst: opt(z.boolean().default(false), {
    help: 'before each implementing pass, run the agent read-only (--sandbox read-only) to write iter-NNN/plan.md; the implementing pass gets that plan',
    commands: LOOP,
  }),
  bootstrapInfra: opt(z.boolean().default(false), {
    help: 'without --bench or --post-check: first run one agent iteration (0) that writes a regression test and a benchmark; once accepted, their paths are protected',
    commands: LOOP,
  }),
  newRun: opt(z.boolean().default(false), {
    help: 'start a new run of the same experiment (numbering, champion and leaderboard carry over) even when an interrupted run could be resumed',
    commands: LOOP,
  }),
  newExperiment: opt(z.boolean().default(false), {
    help: 'start a new experiment: a new run at iteration 1 with a fresh baseline, champion and leaderboard',
    commands: LOOP,
  }),
  dryRun: opt(z.boolean().default(false), {
    help: 'print the first iteration\'s prompt, agent argv, post-checks and policies; touch nothing',
    commands: LOOP,
  }),
};
