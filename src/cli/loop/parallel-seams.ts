/**
 * The composition of `codex-loop --parallel K`: the orchestrator of src/core/parallel/ over the loop's own
 * adapters, built once per candidate (its worktree's git, an agent working there, a measurer testing it at
 * α/K against the run's champion). Without --parallel (K = 1) nothing here is built and the loop runs as ever.
 */
import { cp, mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createAgentRunner } from '../../adapters/agents/create-agent-runner.js';
import { candidateWorktrees } from '../../adapters/git/candidate-worktrees.js';
import { SimpleGitRepo } from '../../adapters/git/simple-git-repo.js';
import { fileChampionStore } from '../../adapters/measure/champion-store.js';
import { createBenchRunner } from '../../adapters/measure/bench-runner.js';
import { tpuQuotaExceeded } from '../../adapters/tpu/tpu-api-errors.js';
import { ResourceError } from '../../errors.js';
import type { CommandRunner } from '../../ports/process.js';
import type { ParallelPorts, ReportEvent } from '../../ports/parallel.js';
import type { TpuHold } from '../../ports/tpu.js';
import type { IterationMemory } from '../../ports/bench.js';
import type { Config } from '../../config/schema.js';
import { ParallelOrchestrator } from '../../core/parallel/orchestrator.js';
import { parallelK, parallelPlan } from '../../core/parallel/plan.js';
import type { RunSessionDeps } from '../../core/run/run-session.js';
import type { Logger } from '../../log.js';
import type { Redactor } from '../../redact.js';
import { createMeasurer } from '../measure/bench-measurer.js';
import { mfuMetricSpec } from '../measure/mfu-context.js';
import { benchRunsOn } from '../measure/bench-site.js';
import { finalistRayBench, finalistTpuBench, nodeMeasurer, nodeTypeNotes, rayCandidateMeasurer, type NodeBenchContext } from './parallel-bench.js';

/** Slot k's TPU settings: the node `<name>-k` (K named nodes, each with its own lease, fallbacks and re-acquire). */
export function slotTpuValues(v: Config, slot: number): Config {
  return { ...v, devTpuName: `${v.devTpuName}-${slot}` };
}

/** The benchmark runs on each candidate's own node (parallel-bench.ts). */
function benchOnNodes(v: Config): boolean {
  return parallelK(v) > 1 && v.holdDevTpu && Boolean(v.bench) && benchRunsOn(v) === 'tpu';
}

/**
 * Found in preflight (exit 2): K candidates benchmarking on the TPU need a node each, which only --hold-dev-tpu
 * gives (one named TPU or lease would be shared by K benchmarks at once).
 */
export function parallelTpuProblems(v: Config): string[] {
  if (parallelK(v) <= 1 || v.holdDevTpu || !v.bench || benchRunsOn(v) !== 'tpu') return [];
  return [`--parallel ${parallelK(v)} with the benchmark on the TPU needs a node per candidate; add --hold-dev-tpu --dev-tpu-name NAME (nodes NAME-1 … NAME-${parallelK(v)}), or pass --bench-on local`];
}

/** One line: which quota stopped the K nodes, how many there are, and what to do. */
export function quotaRefusal(q: { quota: string; limit?: number | undefined; where?: string | undefined }, held: readonly string[], k: number): string {
  const limit = q.limit !== undefined ? ` (limit ${q.limit}${q.where ? ` in ${q.where}` : ''})` : '';
  const got = held.length > 0 ? `got ${held.length} (${held.join(', ')}), released` : 'got none';
  const fix = held.length > 0 ? `pass --parallel ${held.length} or lower, or raise the quota` : 'raise the quota, or free nodes that count against it';
  return `--parallel ${k} needs ${k} TPU nodes but the project's quota ${q.quota}${limit} ran out: ${got}; ${fix}`;
}

/**
 * The session's own config: with --parallel and --hold-dev-tpu the run session holds no node itself (the slots
 * hold `<name>-1 … <name>-K`). With the benchmark on the nodes it measures nothing either: the run's baseline is
 * measured on node 1 once all K are held (the orchestrator's `baseline` port).
 */
export function sessionValues(v: Config): Config {
  if (benchOnNodes(v)) return { ...v, holdDevTpu: false, bench: undefined };
  return parallelK(v) > 1 && v.holdDevTpu ? { ...v, holdDevTpu: false } : v;
}

export interface ParallelContext {
  values: Config;
  env: NodeJS.ProcessEnv;
  /** The agent's environment (gdnctl's bin folder first on PATH). */
  agentEnv: NodeJS.ProcessEnv;
  log: Logger;
  runner: CommandRunner;
  redact: Redactor;
  settingsEnv: Record<string, string>;
  repoRoot: string;
  killGraceMs: number;
  /** A second signal: the slots' TPU deletes are sent without waiting, as the session does for its own. */
  onHurry?: ((fn: () => void) => unknown) | undefined;
}

/**
 * The shared settings that name a file of the operator's tree, said of candidate k's worktree: the experiment log
 * the candidate's agent writes, lints and benches against is the worktree's copy (candidate.ts rebases the loop's
 * own setting the same way). The ledger, keys and known-hosts files stay the operator's.
 */
export function candidateTreeEnv(settingsEnv: Readonly<Record<string, string>>, workdir: string, dir: string): Record<string, string> {
  const log = settingsEnv.GDNCTL_HILLCLIMB_LOG;
  if (log === undefined) return {};
  const rel = relative(workdir, resolve(workdir, log));
  return rel.startsWith('..') || isAbsolute(rel) ? {} : { GDNCTL_HILLCLIMB_LOG: join(dir, rel) };
}

/** The engine of a parallel run, or undefined for K = 1 (the loop's own engine). */
export function parallelEngineFor(x: ParallelContext): RunSessionDeps['engine'] {
  const v = x.values;
  const plan = parallelPlan(v);
  if (plan.k === 1) return undefined;
  const logDir = resolve(x.repoRoot, v.logDir);
  const metric = { metric: v.metric, metricPattern: v.metricPattern, ...mfuMetricSpec(v) };
  const benchEnv = { ...x.env, ...x.settingsEnv };
  const onNodes = benchOnNodes(v);
  // --bench-on ray: each candidate's decisions are its own Ray jobs; the run's baseline is the session's, on Ray.
  const onRay = parallelK(v) > 1 && Boolean(v.bench) && benchRunsOn(v) === 'ray';
  return (s, deps, state) => {
    const runDir = deps.ledger.runDir;
    const candDir = (slot: number): string => join(runDir, 'candidates', `c${slot}`);
    const holds = new Map<number, { hold: TpuHold; wrap: (m: IterationMemory | undefined) => IterationMemory }>();
    x.onHurry?.(() => {
      for (const h of holds.values()) void h.hold.release({ hurry: true }).catch(() => undefined);
    });
    /** Slot k's node `<name>-k`, held from its first round to the run's end; later rounds make sure it is alive. */
    async function holdFor(slot: number, signal: AbortSignal, report: ReportEvent) {
      const held = holds.get(slot);
      if (held) {
        await held.hold.ensureAlive(signal);
        return held;
      }
      const [{ loopTpuExtras, withTpuDirective }, { setupRunnerFor }] = await Promise.all([import('../../adapters/tpu/loop-tpu.js'), import('../../adapters/tpu/tpu-hold-factory.js')]);
      const vk = slotTpuValues(v, slot);
      const runSetup = await setupRunnerFor(vk, x.env, x.repoRoot, x.log);
      const hold = loopTpuExtras({ values: vk, env: x.env, log: x.log, runSetup, onEvent: (type, data) => report(type, data) }).tpu!;
      const entry = { hold, wrap: (m: IterationMemory | undefined) => withTpuDirective(m, hold) };
      holds.set(slot, entry);
      await hold.acquire(signal);
      return entry;
    }
    const nodes: NodeBenchContext = { values: v, repoRoot: x.repoRoot, env: x.env, settingsEnv: x.settingsEnv, log: x.log, redact: x.redact, logDir, hold: (slot) => holds.get(slot)?.hold };
    async function holdAll(k: number, signal: AbortSignal, report: (slot: number) => ReportEvent): Promise<string[]> {
      if (!v.holdDevTpu) return [];
      const got = await Promise.allSettled(Array.from({ length: k }, (_, i) => holdFor(i + 1, signal, report(i + 1))));
      const failed = got.flatMap((g) => (g.status === 'rejected' ? [g.reason as unknown] : []));
      if (failed.length === 0 || signal.aborted) {
        if (failed[0] !== undefined) throw failed[0];
        return onNodes ? nodeTypeNotes([...holds].map(([slot, h]) => ({ slot, node: h.hold.current() }))) : [];
      }
      const quota = failed.map((e) => tpuQuotaExceeded(e)).find((q) => q !== undefined);
      if (!quota) throw failed[0];
      const held = got.flatMap((g) => {
        const n = g.status === 'fulfilled' ? g.value.hold.current() : undefined;
        return n ? [n.name] : [];
      });
      throw new ResourceError(quotaRefusal(quota, held, k));
    }
    const rayCtx = { values: v, repoRoot: x.repoRoot, env: x.env, settingsEnv: x.settingsEnv, log: x.log, redact: x.redact, logDir };
    const finalistBench = !v.bench ? undefined
      : onNodes ? finalistTpuBench(nodes)
        : onRay ? finalistRayBench({ ...rayCtx, runDir, k: plan.k })
          : createBenchRunner({ command: v.bench, metric, timeoutMs: v.benchTimeoutSeconds * 1000, env: benchEnv });
    const ports: ParallelPorts = {
      holdAll,
      trees: candidateWorktrees({ repoRoot: x.repoRoot, root: join(logDir, 'worktrees', state.runId), env: x.env }),
      async seams(slot, dir, championSha, signal, report) {
        const git = new SimpleGitRepo(dir, { env: x.env });
        const own = candidateTreeEnv(x.settingsEnv, v.workdir, dir);
        const env = { ...deps.env, ...own };
        const agent = createAgentRunner(v, { runner: x.runner, env: { ...x.agentEnv, ...own }, cwd: dir, redact: x.redact });
        const held = v.holdDevTpu ? await holdFor(slot, signal, report) : undefined;
        const tpu = held ? { tpu: held.hold, memory: held.wrap } : {};
        if (!v.bench) return { git, agent, env, ...tpu };
        // The candidate's measurer keeps its champion.json apart from the run's: the run's changes only at promotion.
        const ledgerDir = candDir(slot);
        await mkdir(ledgerDir, { recursive: true, mode: 0o700 });
        await cp(join(runDir, 'baseline'), join(ledgerDir, 'baseline'), { recursive: true, force: true });
        await cp(join(runDir, 'champion.json'), join(ledgerDir, 'champion.json'), { force: true });
        const settingsEnv = { ...x.settingsEnv, ...own };
        const measurer = onNodes
          ? nodeMeasurer({ ...nodes, settingsEnv }, slot, dir, plan.alpha)
          : onRay ? rayCandidateMeasurer({ ...rayCtx, settingsEnv }, plan.k, slot, dir, plan.alpha)
          : createMeasurer({ ...v, alpha: plan.alpha, logDir }, {
            repoRoot: dir, env: x.env, onLine: (l) => x.log.info(`[c${slot}] ${l}`), redact: x.redact, settingsEnv,
          });
        const b = await measurer.ensureBaseline(ledgerDir, championSha, signal);
        if (!b.ok) throw new Error(`candidate ${slot}: ${b.reason}`);
        return { git, agent, measurer, env, ...tpu };
      },
      finalistBench,
      finalistsDone: onNodes ? () => (finalistBench as ReturnType<typeof finalistTpuBench>).idle() : undefined,
      // The run's baseline, on node 1 after all K nodes are held (the session measured none: sessionValues).
      baseline: onNodes ? (head, signal) => nodeMeasurer(nodes, 1, x.repoRoot, v.alpha).ensureBaseline(runDir, head, signal) : undefined,
      async championPromoted(slot, sha, iteration) {
        const c = v.bench ? await fileChampionStore.read(candDir(slot)) : undefined;
        if (c) await fileChampionStore.write(runDir, { ...c, sha, iteration, source: 'promoted' });
      },
      readRecord: async (iteration) => JSON.parse(await readFile(join(deps.ledger.iterDir(iteration), 'record.json'), 'utf8')) as unknown,
      killGraceMs: x.killGraceMs,
      releaseAll: async (opts) => {
        await Promise.all([...holds.values()].map((h) => h.hold.release(opts)));
      },
    };
    return new ParallelOrchestrator(s, deps, state, { plan, direction: v.direction, measured: Boolean(v.bench) }, ports);
  };
}
