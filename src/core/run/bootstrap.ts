import { relative } from 'node:path';
import type { Measurer } from '../../ports/bench.js';
import { LoopEngine, type LoopDeps } from '../loop/engine.js';
import {
  BOOTSTRAP_BENCH_COMMAND,
  BOOTSTRAP_TEST_COMMAND,
  bootstrapChecks,
  bootstrapPrompt,
  type BootstrapGoal,
  type BootstrapNeeds,
} from '../loop/bootstrap-infra.js';
import type { LoopResult } from '../loop/outcome.js';
import type { RunState } from '../loop/run-state.js';
import type { LoopSettings } from '../loop/settings.js';

/** --bootstrap-infra as the run session sees it; the CLI fills it in from the config. */
export interface BootstrapPlan {
  /** What is missing; undefined when a benchmark and a regression test are configured already. */
  needs: BootstrapNeeds | undefined;
  goal: BootstrapGoal;
  /** A measurer for the benchmark iteration 0 wrote (built by the CLI from its adapters), if it can make one. */
  measurerFor(bench: string, runDir: string): Promise<Measurer | undefined>;
}

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
): Promise<BootstrapAccepted | LoopResult> {
  const { git } = deps;
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
 * Run iteration 0 unless state.json says it was accepted already (a resumed run), then give the rest of the run
 * the commands it provides: the post-check is appended to `settings`, and a measurer for the new benchmark is
 * returned when the run has none. A result means the run ends here.
 */
export async function bootstrapInfra(
  settings: LoopSettings,
  deps: LoopDeps,
  state: RunState,
  plan: BootstrapPlan,
): Promise<{ result?: LoopResult; measurer?: Measurer }> {
  if (!plan.needs) {
    deps.console.warn('--bootstrap-infra: a benchmark and a regression test are configured already; nothing to bootstrap');
    return {};
  }
  if (!state.bootstrap) {
    const b = await runBootstrap(settings, deps, state, plan.needs, plan.goal);
    if (b.kind !== 'accepted') return { result: b };
  }
  const boot = state.bootstrap!;
  if (boot.postCheck && !settings.postChecks.includes(boot.postCheck)) settings.postChecks = [...settings.postChecks, boot.postCheck];
  const measurer = boot.bench && !deps.measurer ? await plan.measurerFor(boot.bench, deps.ledger.runDir) : undefined;
  return measurer ? { measurer } : {};
}
