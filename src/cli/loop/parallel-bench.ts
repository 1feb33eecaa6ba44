/**
 * `--parallel K --bench-on tpu`: every candidate measures on its own held node, the run's baseline on node 1, the
 * finalists' ranking on node 1 too (one chip for all of them, so their numbers compare):
 *
 *   node k:  <remote-root>/c<k>/{champion,candidate}     candidate k against the champion (and, for k = 1, the baseline)
 *   node 1:  <remote-root>/finalists/c<k>/candidate      finalist k's tree, synced for the ranking round
 *
 * Each node's trees live under their own folder, so nodes that share a file system (or one --worker-host listed
 * twice) never sync over each other's trees.
 *
 * `--parallel K --bench-on ray`: each candidate's decisions are Ray jobs of their own (its worktree as the
 * candidate tree, the round and candidate in the job's metadata), and the finalists' ranking is one job holding
 * every finalist's tree (`f1/ … fN/`), so their numbers come from one host.
 */
import { basename, join } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { Redactor } from '../../redact.js';
import type { BenchRunner, BenchSample } from '../../ports/bench.js';
import type { FinalistBench } from '../../ports/parallel.js';
import type { RayBenchRun, RayFinalistSide } from '../../ports/ray.js';
import { rayBenchSite } from '../measure/bench-site.js';
import { roundOf } from '../../core/parallel/plan.js';
import type { TpuHold, TpuNode } from '../../ports/tpu.js';
import { SimpleGitRepo } from '../../adapters/git/simple-git-repo.js';
import { createMeasurer, type BenchMeasurer } from '../measure/bench-measurer.js';
import { tpuBench, type TpuBench } from '../measure/bench-site.js';
import { mfuMetricSpec } from '../measure/mfu-context.js';

/**
 * What a candidate's (or the finalists') benchmarks on the nodes are built from; `repoRoot`'s folder name is the
 * remote root's default, as dev-tpu-test uses.
 */
export interface NodeBenchContext extends RayBenchContext {
  /** Slot k's hold, once acquired. */
  hold: (slot: number) => TpuHold | undefined;
}

/** Where slot k's trees (or the finalists') live on their node. */
export function slotRemoteRoot(v: Pick<Config, 'remoteDir'>, repoRoot: string, where: number | 'finalists'): string {
  const root = (v.remoteDir ?? `~/${basename(repoRoot)}`).replace(/\/+$/, '');
  return `${root}/${where === 'finalists' ? 'finalists' : `c${where}`}`;
}

/** A measurer on slot k's node, the candidate tree synced from `treeDir` (its worktree, or the operator's tree). */
export function nodeMeasurer(x: NodeBenchContext, slot: number, treeDir: string, alpha: number): BenchMeasurer {
  const v = x.values;
  return createMeasurer({ ...v, alpha, logDir: x.logDir }, {
    repoRoot: treeDir, env: x.env, settingsEnv: x.settingsEnv, redact: x.redact, onLine: (l) => x.log.info(`[c${slot}] ${l}`),
    tpu: { values: { ...v, remoteDir: slotRemoteRoot(v, x.repoRoot, slot) }, log: x.log, hold: () => x.hold(slot) },
  });
}

/** The finalists' benchmark: each finalist's worktree synced to node 1 once, then run there. */
export function finalistTpuBench(x: NodeBenchContext): BenchRunner & { idle(): Promise<void> } {
  const v = x.values;
  const metric = { metric: v.metric, metricPattern: v.metricPattern, ...mfuMetricSpec(v) };
  const metricOn = (type: string | undefined) => ({ ...metric, ...mfuMetricSpec(type ? { ...v, devTpuType: type } : v) });
  const trees = new Map<string, TpuBench>();
  const root = slotRemoteRoot(v, x.repoRoot, 'finalists');
  const benchFor = (dir: string): TpuBench => {
    let t = trees.get(dir);
    if (!t) {
      const values = { ...v, remoteDir: `${root}/${basename(dir)}` };
      t = tpuBench({ values, env: { ...x.env, ...x.settingsEnv }, log: x.log, repoRoot: dir, hold: () => x.hold(1), redact: x.redact }, { command: v.bench ?? '', metric: metricOn, timeoutMs: v.benchTimeoutSeconds * 1000 });
      trees.set(dir, t);
    }
    return t;
  };
  return {
    async run(dir, signal) {
      const t = benchFor(dir);
      const head = await new SimpleGitRepo(dir, { env: x.env }).head();
      const remote = await t.site.candidateTree(head, signal);
      return t.bench.run(remote, signal);
    },
    async idle() {
      await Promise.all([...trees.values()].map((t) => t.site.idle?.()));
    },
  };
}

/**
 * Nodes of another type than node 1 (a fallback cluster gave one): each such candidate's baseline and champion
 * are measured again on its own node, by the rule a re-acquired node of another type follows. One line per node.
 */
export function nodeTypeNotes(nodes: ReadonlyArray<{ slot: number; node: TpuNode | undefined }>): string[] {
  const first = nodes.find((n) => n.slot === 1)?.node;
  if (!first) return [];
  return nodes.flatMap(({ slot, node }) =>
    node && node.acceleratorType !== first.acceleratorType
      ? [`node ${node.name} (candidate ${slot}) is a ${node.acceleratorType}, node 1 (${first.name}) a ${first.acceleratorType}: candidate ${slot}'s baseline and champion are measured again on its own node, so its decisions compare like with like`]
      : []);
}

/** What a candidate's (or the finalists') Ray jobs are built from. */
export interface RayBenchContext {
  values: Config;
  /** The operator's repository: its name is the jobs' `gdnctl_repo`, whichever worktree they package. */
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  settingsEnv: Record<string, string>;
  log: Logger;
  redact: Redactor;
  logDir: string;
}

/** The metadata that tells K candidates' jobs apart in the cluster's job list (as their post-checks' jobs). */
export function candidateJobMetadata(repoRoot: string, k: number, slot: number): (iteration: number | undefined) => Record<string, string> {
  return (iteration) => ({
    gdnctl_repo: basename(repoRoot), gdnctl_candidate: String(slot),
    ...(iteration !== undefined ? { gdnctl_round: String(roundOf(iteration, k)) } : {}),
  });
}

/** Candidate `slot`'s measurer on Ray: its worktree is the candidate tree, the champion checked out from it. */
export function rayCandidateMeasurer(x: RayBenchContext, k: number, slot: number, treeDir: string, alpha: number): BenchMeasurer {
  const v = x.values;
  return createMeasurer({ ...v, alpha, logDir: x.logDir }, {
    repoRoot: treeDir, env: x.env, settingsEnv: x.settingsEnv, redact: x.redact, onLine: (l) => x.log.info(`[c${slot}] ${l}`),
    ray: { values: v, log: x.log, metadata: candidateJobMetadata(x.repoRoot, k, slot) },
  });
}

/**
 * The finalists' ranking round as its runs, in the orchestrator's order: `dirs[i]` is side `f<n>` (n by first
 * appearance), each side's warm-ups just before its first measured run (a job is a fresh process on its host).
 */
export function finalistRuns(dirs: readonly string[], warmups: number): { trees: string[]; runs: Array<RayBenchRun<RayFinalistSide>>; sides: RayFinalistSide[] } {
  const trees: string[] = [];
  const runs: Array<RayBenchRun<RayFinalistSide>> = [];
  const sides: RayFinalistSide[] = [];
  const count = new Map<string, number>();
  for (const dir of dirs) {
    let n = trees.indexOf(dir) + 1;
    if (n === 0) {
      trees.push(dir);
      n = trees.length;
    }
    const side: RayFinalistSide = `f${n}`;
    const index = (count.get(dir) ?? 0) + 1;
    count.set(dir, index);
    if (index === 1) for (let w = 1; w <= warmups; w++) runs.push({ side, index: w, warmup: true });
    runs.push({ side, index, warmup: false });
    sides.push(side);
  }
  return { trees, runs, sides };
}

/**
 * The finalists' benchmark on Ray: the whole ranking round (`runAll`) is one job, its record in
 * `<runDir>/finalists/` named by the finalists' commits, so a resumed ranking of the same trees re-attaches.
 */
export function finalistRayBench(x: RayBenchContext & { runDir: string; k: number }): FinalistBench {
  const v = x.values;
  const metric = { metric: v.metric, metricPattern: v.metricPattern, ...mfuMetricSpec(v.rayTpu && v.rayTpu !== 'auto' ? { ...v, devTpuType: v.rayTpu } : v) };
  const { rayBench } = rayBenchSite(
    { values: v, env: x.env, log: x.log, repoRoot: x.repoRoot, redact: x.redact },
    { command: v.bench ?? '', metric, timeoutMs: v.benchTimeoutSeconds * 1000 },
  );
  const runAll = async (dirs: readonly string[], signal?: AbortSignal): Promise<BenchSample[]> => {
    const plan = finalistRuns(dirs, v.benchWarmupRuns ?? 1);
    const trees = await Promise.all(plan.trees.map(async (dir) => {
      const git = new SimpleGitRepo(dir, { env: x.env });
      return { dir, head: await git.head(), branch: await git.branch() };
    }));
    // The worktrees are on `gdnctl/<run>/r<round>-c<k>` (plan.ts candidateBranch): the round for the job's list.
    const round = /\/r(\d+)-c\d+$/.exec(trees[0]?.branch ?? '')?.[1];
    const name = `finalists-${trees.map((t) => t.head.slice(0, 8)).join('-')}`;
    x.log.info(`ranking ${trees.length} finalists (${trees.map((t) => basename(t.dir)).join(', ')}) in one Ray job`);
    const r = await rayBench.runSides!({
      trees: trees.map((t) => ({ dir: t.dir, head: t.head })), runs: plan.runs, recordDir: join(x.runDir, 'finalists'), name, signal,
      metadata: { gdnctl_finalists: trees.map((t) => basename(t.dir)).join(','), gdnctl_run: basename(x.runDir), ...(round ? { gdnctl_round: round } : {}) },
    });
    if (r.failure) x.log.warn(`the finalists' Ray job ${r.submissionId}: ${r.failure.reason}`);
    const measured = plan.runs.filter((run) => !run.warmup);
    return measured.map((run): BenchSample => {
      const s = r.samples.find((q) => q.run.side === run.side && q.run.index === run.index && !q.run.warmup);
      if (!s) return { ok: false, reason: r.failure?.reason ?? 'no result', tail: r.failure?.tail ?? '' };
      return s.ok ? { ok: true, value: s.value, durationMs: s.durationMs } : { ok: false, reason: s.reason, tail: s.tail };
    });
  };
  return {
    // One run alone is a ranking round of one: the orchestrator ranks through runAll.
    run: async (dir, signal) => (await runAll([dir], signal))[0]!,
    runAll,
  };
}
