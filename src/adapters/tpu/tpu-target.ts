import { UsageError } from '../../errors.js';
import type { Config } from '../../config/schema.js';
import { resolveCluster } from '../../core/tpu-clusters.js';
import type { TpuNodeRef } from '../../ports/tpu.js';
import { tpuLogDir } from './tpu-hold-factory.js';
import { listLeases, refOfLease, type LeaseRecord } from './tpu-lease.js';

export interface TpuTarget {
  ref: TpuNodeRef;
  /** How it was found: explicit flags, the loop's GDNCTL_TPU_* variables, or a lease file. */
  source: 'flags' | 'held' | 'lease';
  lease?: LeaseRecord;
  /** Notes for the operator, e.g. "--cluster names us-central1 but the held TPU is in us-east5-a". */
  notes: string[];
}

/** The held TPU as the loop exports it to post-checks; read from the raw env so an explicit flag cannot mask it. */
export function heldFromEnv(env: NodeJS.ProcessEnv): TpuNodeRef | undefined {
  const { GDNCTL_TPU_PROJECT: project, GDNCTL_TPU_ZONE: zone, GDNCTL_TPU_NAME: name } = env;
  if (!project || !zone || !name) return undefined;
  return { project, zone, name, cluster: env.GDNCTL_TPU_CLUSTER || zone };
}

export interface TargetOptions {
  /**
   * The held TPU wins over any --tpu-name too (dev-tpu-test and -profile: a post-check must run on the node the
   * loop actually holds). Without it a different --tpu-name names another node (status, release).
   */
  heldWins?: boolean;
}

/**
 * Which TPU a dev-tpu-* command acts on. Order:
 *  1. the held TPU (GDNCTL_TPU_*), whatever --cluster says and, under `heldWins`, whatever --tpu-name says — so
 *     after a fallback to another zone the seed's `--cluster us-central1 --tpu-name $USER-gdn` post-check still
 *     reaches the node in us-east5-a; without `heldWins` only when --tpu-name names the held node or none;
 *  2. a lease of the named node (same reason, outside a loop), or the only lease when no name is given;
 *  3. --tpu-name (or devTpuName) with --cluster (or devTpuCluster) resolved through clusters:.
 */
export function resolveTarget(values: Config, env: NodeJS.ProcessEnv, opts: TargetOptions = {}): TpuTarget {
  const notes: string[] = [];
  const name = values.tpuName ?? values.devTpuName;
  const clusterFlag = values.cluster;
  const held = heldFromEnv(env);
  if (held && (!name || name === held.name || opts.heldWins)) {
    if (name && name !== held.name) {
      notes.push(`--tpu-name ${name} ignored: this loop holds TPU ${held.name} in ${held.cluster} (${held.zone}), and checks run on it`);
    } else if (clusterFlag && clusterFlag !== held.cluster && clusterFlag !== held.zone) {
      notes.push(`--cluster ${clusterFlag} ignored: the held TPU ${held.name} is in ${held.cluster} (${held.zone})`);
    }
    return { ref: held, source: 'held', notes };
  }
  const leases = listLeases(tpuLogDir(values)).filter((l) => !name || l.node === name);
  if (!name) {
    if (leases.length === 1) return { ref: refOfLease(leases[0]!), source: 'lease', lease: leases[0]!, notes };
    if (leases.length > 1) {
      throw new UsageError(`${leases.length} TPU leases (${leases.map((l) => `${l.node} in ${l.zone}`).join(', ')}); pick one with --tpu-name`);
    }
    throw new UsageError('no held TPU: no GDNCTL_TPU_NAME and no lease; run gdnctl dev-tpu-allocate first, or pass --tpu-name and --cluster');
  }
  const wanted = clusterFlag ?? (held ? undefined : values.tpuCluster);
  if (leases.length > 0) {
    const exact = leases.find((l) => wanted && (l.cluster === wanted || l.zone === wanted));
    const lease = exact ?? leases[0]!;
    if (!exact && wanted) notes.push(`--cluster ${wanted} ignored: the lease of ${lease.node} says it is in ${lease.cluster} (${lease.zone})`);
    return { ref: refOfLease(lease), source: 'lease', lease, notes };
  }
  // tpuProject/tpuZone normally arrive from GDNCTL_TPU_* and then describe the held node, not this one.
  const explicitZone = held ? undefined : values.tpuZone;
  const c = resolveCluster(explicitZone ?? wanted ?? values.devTpuCluster, {
    clusters: values.clusters,
    project: (held ? undefined : values.tpuProject) ?? values.project,
    env,
  });
  return { ref: { project: c.project, zone: c.zone, cluster: wanted ?? c.cluster, name }, source: 'flags', notes };
}
