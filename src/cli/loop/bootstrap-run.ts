import type { Git } from '../../ports/git.js';
import { LoopEngine, type LoopDeps } from '../../core/loop/engine.js';
import {
  BOOTSTRAP_BENCH_COMMAND,
  BOOTSTRAP_TEST_COMMAND,
  bootstrapChecks,
  bootstrapNeeds,
  bootstrapPrompt,
  type BootstrapGoal,
  type BootstrapNeeds,
} from '../../core/loop/bootstrap-infra.js';
import type { LoopResult } from '../../core/loop/outcome.js';
import type { RunState } from '../../core/loop/run-state.js';
import type { LoopSettings } from '../../core/loop/settings.js';
import { relative } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { LoopConsole } from '../../core/loop/engine.js';
import type { CommandContext } from '../command-spec.js';
import type { LoopExtras } from '../loop-deps.js';

export interface BootstrapAccepted {
  kind: 'accepted';
  /** Commands the rest of the run uses for what was missing. */
  postCheck?: string;
  bench?: string;
}

/**
 * --bootstrap-infra's iteration 0, run by the loop engine itself (guard-tree, agent, verify-commit, post-checks,
 * revert on failure, record in iter-000/), with its own prompt and the entry points' checks as post-checks.
 * Accepted (a kept commit whose entry points ran): the range's paths join the protected set in state.json.
 * Anything else ends the run: without a yardstick there is nothing to optimize against.
 */
export async function runBootstrap(
  settings: LoopSettings,
  deps: LoopDeps,
  state: RunState,
  needs: BootstrapNeeds,
  goal: BootstrapGoal,
  git: Git,
): Promise<BootstrapAccepted | LoopResult> {
  const s: LoopSettings = {
    ...settings,
    promptTemplate: bootstrapPrompt(needs, goal),
    promptFile: '(--bootstrap-infra prompt)',
    directives: [],
    postChecks: bootstrapChecks(needs),
    planFirst: false,
    scope: [],
    requireCommit: true,
  };
  const start = await git.head();
  // No measurer, no memory, no report schema: iteration 0 is not a candidate and not on the leaderboard.
  const engine = new LoopEngine(s, { ...deps, measurer: undefined, memory: undefined, reportSchema: undefined }, state);
  const stop = await engine.runOne(0);
  if (stop) return stop;
  const row = state.completed.find((c) => c.iteration === 0);
  if (row?.outcome !== 'kept' || !row.commit) {
    const why = row?.reason ?? row?.status ?? 'no record';
    const message = `--bootstrap-infra: iteration 0 was not accepted (${why}); see ${relative(git.root, deps.ledger.iterDir(0))}/record.json, fix the infrastructure by hand or run again`;
    state.status = 'stopped';
    state.stopMessage = message;
    await deps.ledger.writeState(state);
    await deps.ledger.event('run-stopped', { reason: row?.reason ?? 'iteration-error', iteration: 0, message });
    return { kind: 'stopped', stop: { reason: row?.reason ?? 'iteration-error', cause: 'policy-fail', iteration: 0, message } };
  }
  const log = relative(git.root, settings.hillclimbLog);
  const paths = (await git.changedPaths(start, row.commit)).filter((p) => p !== log);
  state.bootstrapProtect = [...new Set([...(state.bootstrapProtect ?? []), ...paths])];
  state.bootstrap = {
    commit: row.commit,
    ...(needs.test ? { postCheck: BOOTSTRAP_TEST_COMMAND } : {}),
    ...(needs.bench ? { bench: BOOTSTRAP_BENCH_COMMAND } : {}),
  };
  await deps.ledger.writeState(state);
  await deps.ledger.event('bootstrap-accepted', { iteration: 0, protect: paths, ...state.bootstrap });
  deps.console.info(`bootstrap accepted (${row.commit.slice(0, 12)}); protected for the rest of the run: ${paths.join(', ')}`);
  return { kind: 'accepted', ...(state.bootstrap.postCheck ? { postCheck: state.bootstrap.postCheck } : {}), ...(state.bootstrap.bench ? { bench: state.bootstrap.bench } : {}) };
}

/**
 * The CLI side: run iteration 0 unless state.json says it was accepted already (a resumed run), then give the
 * rest of the run the commands it provides (post-check appended, measurer built for the new benchmark).
 */
export async function bootstrapInfra(c: {
  v: Config;
  settings: LoopSettings;
  state: RunState;
  git: Git;
  out: LoopConsole;
  ctx: CommandContext;
  extras: LoopExtras;
  deps: LoopDeps;
}): Promise<LoopResult | undefined> {
  const { v, settings, state } = c;
  const needs = bootstrapNeeds(v);
  if (!needs) {
    c.out.warn('--bootstrap-infra: a benchmark and a regression test are configured already; nothing to bootstrap');
    return undefined;
  }
  if (!state.bootstrap) {
    const goal = { goal: v.goal, metric: v.metric, direction: v.direction, scope: v.scopeGlob };
    const b = await runBootstrap(settings, c.deps, state, needs, goal, c.git);
    if (b.kind !== 'accepted') return b;
  }
  const boot = state.bootstrap!;
  if (boot.postCheck && !settings.postChecks.includes(boot.postCheck)) settings.postChecks = [...settings.postChecks, boot.postCheck];
  if (boot.bench && !c.extras.measurer) {
    const { buildMeasureExtras } = await import('../measure/measure-extras.js');
    const built = buildMeasureExtras({ values: { ...v, bench: boot.bench }, env: c.ctx.env, log: c.ctx.log, workdir: v.workdir, runDir: c.deps.ledger.runDir, logDir: v.logDir });
    if (built.measurer) c.extras.measurer = built.measurer;
  }
  return undefined;
}
