/**
 * `--bench-on`: where the benchmark runs, and the remote adapters it takes on the TPU. `auto` is `tpu` while a TPU
 * is held or named — the loop's --hold-dev-tpu, --tpu-name/--dev-tpu-name, --worker-host, the GDNCTL_TPU_*
 * variables (which the config reads as tpuName), or a lease from dev-tpu-allocate — and `local` otherwise.
 */
import { basename } from 'node:path';
import { ResourceError } from '../../errors.js';
import type { Config } from '../../config/schema.js';
import type { MetricSpec } from '../../core/metric.js';
import type { Logger } from '../../log.js';
import type { BenchRunner, BenchSite, EnvSnapshotter, WorktreeProvider } from '../../ports/bench.js';
import type { Remote } from '../../ports/remote.js';
import type { TpuHold, TpuNode, TpuNodeRef } from '../../ports/tpu.js';
import { createRedactor, type Redactor } from '../../redact.js';
import { nodeShape, resolveCluster, runtimeVersionFor } from '../../core/tpu-clusters.js';
import { listLeases } from '../../adapters/tpu/tpu-lease.js';
import { providerFactory, tpuLogDir } from '../../adapters/tpu/tpu-hold-factory.js';
import { sshRemoteFor } from '../../adapters/remote/setup-runner.js';
import { RemoteBenchTarget, type TpuLocation, type TpuLocator } from '../../adapters/measure/remote-target.js';
import { remoteBenchRunner } from '../../adapters/measure/remote-bench-runner.js';
import { remoteBenchSite, remoteChampionTrees } from '../../adapters/measure/remote-worktrees.js';
import { remoteEnvSnapshotter } from '../../adapters/measure/remote-env-snapshot.js';
import { envSnapshot } from '../../adapters/measure/env-snapshot.js';
import { resolveRunTarget } from '../dev-tpu/target.js';
import { createRayBench } from '../ray/ray-bench.js';
import { rayTargetProblem } from '../ray/ray-session.js';
import type { RayBench } from '../../ports/ray.js';

type SiteValues = Pick<Config, 'benchOn' | 'tpuName' | 'devTpuName' | 'workerHost' | 'workdir'> & Partial<Pick<Config, 'rayAddress' | 'rayCluster'>> & { logDir?: string };

/**
 * A TPU is held or named for this command (pure on the resolved config, plus the lease folder). --hold-dev-tpu
 * needs --dev-tpu-name, so the name covers it; under --resilient without a name the loop holds nothing.
 */
export function tpuHeldOrNamed(v: SiteValues): boolean {
  return Boolean(v.tpuName ?? v.devTpuName) || v.workerHost.length > 0 || listLeases(tpuLogDir(v as Config)).length > 0;
}

export function benchRunsOn(v: SiteValues): 'tpu' | 'local' | 'ray' {
  if (v.benchOn === 'auto') return tpuHeldOrNamed(v) ? 'tpu' : 'local';
  return v.benchOn;
}

/** `--bench-on tpu` or `ray` with nothing to run on: refused before anything is written. */
export function benchOnProblems(v: SiteValues): string[] {
  if (v.benchOn === 'ray') {
    if (v.rayAddress !== undefined || v.rayCluster !== undefined) {
      const p = rayTargetProblem(v as Config);
      return p ? [p] : [];
    }
    return ['--bench-on ray, but no Ray cluster given; pass --ray-address http://HOST:8265 or --cluster NAME from rayClusters (or rayAddress: in gdnctl.yaml)'];
  }
  if (v.benchOn !== 'tpu' || tpuHeldOrNamed(v)) return [];
  return [
    '--bench-on tpu, but no TPU is held or named; hold one for the loop with --hold-dev-tpu --dev-tpu-name "$USER-gdn", allocate one with gdnctl dev-tpu-allocate, name it with --tpu-name and --cluster (or --worker-host), or pass --bench-on local',
  ];
}

export interface TpuBenchDeps {
  values: Config;
  env: NodeJS.ProcessEnv;
  log: Logger;
  repoRoot: string;
  /** The loop's hold; without one the TPU is the named one (resolved through the TPU API, or --worker-host). */
  hold?: (() => TpuHold | undefined) | undefined;
  redact?: Redactor | undefined;
  /** The ssh transport (tests and the decision benchmark count its syncs). */
  makeRemote?: (() => Remote) | undefined;
}

export interface TpuBench {
  site: BenchSite;
  bench: BenchRunner;
  worktrees: WorktreeProvider;
  envSnapshot: EnvSnapshotter;
  target: RemoteBenchTarget;
}

function holdLocator(hold: () => TpuHold | undefined, runtime: (n: TpuNode) => string | undefined): TpuLocator {
  const where = (n: TpuNode): TpuLocation => ({ workers: n.workers, node: n, runtimeVersion: runtime(n) });
  return {
    async current() {
      const n = hold()?.current();
      if (!n) throw new ResourceError('the benchmark runs on the TPU (--bench-on), but the loop holds no TPU now; check the tpu-* events of the run, or pass --bench-on local');
      return where(n);
    },
    async recover(signal) {
      const h = hold();
      if (!h) return { kind: 'alive' };
      const before = h.current();
      const r = await h.ensureAlive(signal);
      if (!r.node) return { kind: 'lost', reason: `TPU ${before?.name ?? ''} was lost and none could be re-acquired` };
      if (r.reacquired) return { kind: 'replaced', note: `re-acquired ${r.node.name} in ${r.node.zone}, ${r.node.acceleratorType}` };
      return { kind: 'alive' };
    },
  };
}

/** A TPU named by flags, GDNCTL_TPU_* or a lease: found through the TPU API each time; not ours to re-acquire. */
function namedLocator(values: Config, env: NodeJS.ProcessEnv, log: Logger, runtime: (n: TpuNodeRef & { acceleratorType: string }) => string | undefined): TpuLocator {
  const lookUp = async (): Promise<TpuLocation> => {
    const made = providerFactory(values, log);
    try {
      const t = await resolveRunTarget(values, env, made);
      const node = t.node ? { ...t.node, acceleratorType: t.node.acceleratorType ?? '' } : undefined;
      return { workers: t.workers, node, runtimeVersion: node ? runtime(node) : undefined };
    } finally {
      // The API client's sockets would keep the process alive.
      if (values.workerHost.length === 0) await (await made().catch(() => undefined))?.close();
    }
  };
  return {
    current: lookUp,
    async recover() {
      if (values.workerHost.length > 0) return { kind: 'alive' };
      try {
        await lookUp();
        return { kind: 'alive' };
      } catch (e) {
        if (!(e instanceof ResourceError)) throw e;
        return { kind: 'lost', reason: `${e.message}; gdnctl does not hold this TPU, so it cannot re-acquire it (hold one with --hold-dev-tpu)` };
      }
    },
  };
}

/**
 * The runtime version gdnctl creates a node of this type with in its cluster (nodeShape: the cluster's, else the
 * family's). The same for a held and a named node, so `gdnctl baseline` and the loop key a TPU alike; the
 * snapshot prefers what the worker's metadata server says.
 */
function runtimeOf(values: Config, env: NodeJS.ProcessEnv): (n: TpuNodeRef & { acceleratorType: string }) => string | undefined {
  return (n) => {
    try {
      return nodeShape(resolveCluster(n.cluster, { clusters: values.clusters, project: values.project, env }), n.acceleratorType).runtimeVersion;
    } catch {
      return runtimeVersionFor(n.acceleratorType);
    }
  };
}

/** The benchmark, the two trees, the env snapshot and the site, on the held or named TPU's workers. */
export function tpuBench(d: TpuBenchDeps, o: { command: string; metric: (acceleratorType: string | undefined) => MetricSpec; timeoutMs: number }): TpuBench {
  const v = d.values;
  const forwarded: Record<string, string> = {};
  for (const name of v.forwardEnv) if (d.env[name] !== undefined) forwarded[name] = d.env[name]!;
  // A forwarded variable is a secret whatever its name: the user chose to ship it.
  const shipped = createRedactor(Object.fromEntries(Object.entries(forwarded).map(([k, x]) => [`${k}_SECRET`, x])));
  const base = d.redact ?? createRedactor(d.env);
  const redact: Redactor = (t) => shipped(base(t));
  const target = new RemoteBenchTarget({
    makeRemote: d.makeRemote ?? (() => sshRemoteFor(v, d.env, d.log, redact)),
    locator: d.hold ? holdLocator(d.hold, runtimeOf(v, d.env)) : namedLocator(v, d.env, d.log, runtimeOf(v, d.env)),
    remoteRoot: v.remoteDir ?? `~/${basename(d.repoRoot)}`,
    repoRoot: d.repoRoot,
    setupCommand: v.devTpuSetup,
    protect: v.syncProtect,
    env: forwarded,
    onLine: (l) => d.log.info(l),
  });
  return {
    target,
    site: remoteBenchSite(target, d.repoRoot),
    bench: remoteBenchRunner({ target, command: o.command, metric: o.metric, timeoutMs: o.timeoutMs }),
    worktrees: remoteChampionTrees(target, d.repoRoot),
    envSnapshot: remoteEnvSnapshotter({ target, host: (head) => envSnapshot({ cwd: d.repoRoot, head, env: d.env }) }),
  };
}

export interface RayBenchSiteDeps {
  values: Config;
  env: NodeJS.ProcessEnv;
  log: Logger;
  repoRoot: string;
  redact: Redactor;
  /** More metadata for each job, by the iteration it measures (--parallel: the round and candidate). */
  metadata?: ((iteration: number | undefined) => Record<string, string>) | undefined;
}

/**
 * `--bench-on ray`: every measurement is a Ray job holding both trees (src/cli/ray/ray-bench.ts), so the site is
 * this machine only for the champion checkout the package is built from; forwardEnv's values travel in the job's
 * runtime_env, and are redacted from what it printed.
 */
export function rayBenchSite(d: RayBenchSiteDeps, o: { command: string; metric: MetricSpec; timeoutMs: number }): { rayBench: RayBench; site: BenchSite } {
  const forwarded: Record<string, string> = {};
  for (const name of d.values.forwardEnv) if (d.env[name] !== undefined) forwarded[name] = d.env[name]!;
  const shipped = createRedactor(Object.fromEntries(Object.entries(forwarded).map(([k, x]) => [`${k}_SECRET`, x])));
  const redact: Redactor = (t) => shipped(d.redact(t));
  const rayBench = createRayBench({
    ctx: { config: { values: d.values, repoRoot: d.repoRoot }, env: d.env, log: d.log },
    command: o.command, metric: o.metric, timeoutMs: o.timeoutMs, setup: d.values.devTpuSetup, env: forwarded, redact, metadata: d.metadata,
  });
  return { rayBench, site: { where: 'local', candidateTree: async () => d.repoRoot, recover: async () => ({ kind: 'alive' }), label: () => rayBench.label(), idle: async () => undefined } };
}
