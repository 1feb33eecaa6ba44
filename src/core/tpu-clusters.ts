import { UsageError } from '../errors.js';

/** One entry of `clusters:` (its zod schema is clusterSchema in src/config/options/tpu.ts). */
export interface ClusterConfig {
  project?: string | undefined;
  zone: string;
  runtimeVersion?: string | undefined;
  acceleratorType?: string | undefined;
  network?: string | undefined;
  subnetwork?: string | undefined;
  spot?: boolean | undefined;
  reserved?: boolean | undefined;
  serviceAccount?: string | undefined;
  labels?: Record<string, string> | undefined;
}

/**
 * Built-in clusters (the example in docs/tpu.md), merged under the user's `clusters:` so the seed's
 * `--dev-tpu-cluster us-central1` works once a project is set. A user entry with the same name wins whole.
 */
export const BUILTIN_CLUSTERS: Record<string, ClusterConfig> = {
  'us-central1': { zone: 'us-central1-a', runtimeVersion: 'v2-alpha-tpuv5', acceleratorType: 'v5p-8' },
  'us-east5-a': { zone: 'us-east5-a', runtimeVersion: 'v2-alpha-tpuv5', acceleratorType: 'v5p-8' },
};

/** Where a node lives and how it is created, after cluster-name resolution. */
export interface ResolvedCluster extends Omit<ClusterConfig, 'project'> {
  /** The name the user typed (a clusters: key, or a bare zone). */
  cluster: string;
  project: string;
  zone: string;
}

const ZONE = /^[a-z]+-[a-z]+\d+-[a-z]$/;

/** Runtime image by accelerator family, for clusters that do not name one. */
export function runtimeVersionFor(acceleratorType: string): string | undefined {
  const family = /^(v\d+[a-z]*)-/.exec(acceleratorType)?.[1];
  switch (family) {
    case 'v5p':
      return 'v2-alpha-tpuv5';
    case 'v5litepod':
    case 'v5e':
      return 'v2-alpha-tpuv5-lite';
    case 'v6e':
      return 'v2-alpha-tpuv6e';
    case 'v4':
      return 'tpu-ubuntu2204-base';
    default:
      return undefined;
  }
}

/** Primary, then fallbacks, without repeats (a fallback equal to the primary is tried once). */
export function clusterOrder(primary: string, fallbacks: readonly string[]): string[] {
  return [...new Set([primary, ...fallbacks])];
}

export interface ClusterInputs {
  clusters: Record<string, ClusterConfig>;
  /** --project / project: */
  project?: string | undefined;
  env: NodeJS.ProcessEnv;
}

/**
 * Resolve a cluster name (built-in or from `clusters:`, the user's entry winning whole) or a bare zone.
 * Project precedence: the cluster's own, then --project / project:, then GOOGLE_CLOUD_PROJECT.
 */
export function resolveCluster(name: string, input: ClusterInputs): ResolvedCluster {
  const all = { ...BUILTIN_CLUSTERS, ...input.clusters };
  const entry: ClusterConfig | undefined = all[name] ?? (ZONE.test(name) ? { zone: name } : undefined);
  if (!entry) {
    const known = Object.keys(all).join(', ');
    throw new UsageError(
      `unknown TPU cluster "${name}"; use one of ${known}, a zone such as us-central1-a, or add it under clusters: in gdnctl.yaml`,
    );
  }
  const project = entry.project || input.project || input.env.GOOGLE_CLOUD_PROJECT || input.env.CLOUDSDK_CORE_PROJECT;
  if (!project) {
    throw new UsageError(
      `no Google Cloud project for TPU cluster "${name}"; pass --project <id>, set project: in gdnctl.yaml, or export GOOGLE_CLOUD_PROJECT`,
    );
  }
  const { project: _drop, ...rest } = entry;
  return { ...rest, cluster: name, project };
}

/** acceleratorType and runtimeVersion for a create, or a UsageError naming the missing piece. */
export function nodeShape(cluster: ResolvedCluster, devTpuType: string | undefined): { acceleratorType: string; runtimeVersion: string } {
  const acceleratorType = devTpuType ?? cluster.acceleratorType;
  if (!acceleratorType) {
    throw new UsageError(`no TPU type for cluster "${cluster.cluster}"; pass --dev-tpu-type v5p-8 or set clusters.${cluster.cluster}.acceleratorType`);
  }
  const runtimeVersion = cluster.runtimeVersion ?? runtimeVersionFor(acceleratorType);
  if (!runtimeVersion) {
    throw new UsageError(
      `no runtime version known for ${acceleratorType}; set clusters.${cluster.cluster}.runtimeVersion (e.g. tpu-ubuntu2204-base)`,
    );
  }
  return { acceleratorType, runtimeVersion };
}
