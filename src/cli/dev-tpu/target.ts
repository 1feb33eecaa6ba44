import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResourceError, UsageError } from '../exit-codes.js';
import type { TpuNode, TpuWorker } from '../../ports.js';

/** Which TPU node a dev-tpu-test/profile run targets. */
export interface NodeRef {
  project: string;
  zone: string;
  name: string;
  cluster?: string;
}

export type TargetSource = 'worker-host' | 'flags' | 'post-check-env' | 'lease' | 'local';

export interface RunTarget {
  source: TargetSource;
  workers: TpuWorker[];
  node?: NodeRef & { acceleratorType?: string };
}

/** The TPU API seam: the GCP provider in production, the emulator-backed provider in tests. */
export interface NodeLookup {
  getNode(ref: NodeRef): Promise<TpuNode | undefined>;
}

export interface TargetInput {
  workerHosts: string[];
  /** Only values the user gave (flag or config file); env-sourced values are read from `env` below. */
  cluster?: string;
  tpuName?: string;
  env: NodeJS.ProcessEnv;
  leasesDir: string;
  /** Cluster name or bare zone → project and zone (the TPU domain's clusters: config). */
  resolveCluster?: (cluster: string) => { project: string; zone: string } | undefined;
}

interface LeaseFile {
  project: string;
  zone: string;
  cluster?: string;
  node: string;
  file: string;
}

/** Lease files (`<logDir>/leases/*.json`, written by the TPU hold); unreadable ones are skipped. */
export function readLeases(dir: string): LeaseFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: LeaseFile[] = [];
  for (const n of names) {
    try {
      const v = JSON.parse(readFileSync(join(dir, n), 'utf8')) as Partial<LeaseFile>;
      if (typeof v.project === 'string' && typeof v.zone === 'string' && typeof v.node === 'string') {
        out.push({ project: v.project, zone: v.zone, node: v.node, file: join(dir, n), ...(typeof v.cluster === 'string' ? { cluster: v.cluster } : {}) });
      }
    } catch {
      // A lease being written right now (temp file + rename makes this rare) or a foreign file.
    }
  }
  return out;
}

function fromEnv(env: NodeJS.ProcessEnv): NodeRef | undefined {
  const { GDNCTL_TPU_PROJECT: project, GDNCTL_TPU_ZONE: zone, GDNCTL_TPU_NAME: name, GDNCTL_TPU_CLUSTER: cluster } = env;
  if (!project || !zone || !name) return undefined;
  return { project, zone, name, ...(cluster ? { cluster } : {}) };
}

const leaseRef = (l: LeaseFile): NodeRef => ({ project: l.project, zone: l.zone, name: l.node, ...(l.cluster ? { cluster: l.cluster } : {}) });

/**
 * Pure resolution of the node, in this order: explicit flags; the held TPU a loop exports to post-checks
 * (GDNCTL_TPU_*, so a post-check follows a fallback to another zone); the lease files; else nothing.
 */
export function resolveNodeRef(input: TargetInput): { ref: NodeRef; source: TargetSource } | undefined {
  const envRef = fromEnv(input.env);
  const leases = readLeases(input.leasesDir);
  if (input.cluster !== undefined) {
    const where = input.resolveCluster?.(input.cluster);
    if (!where) throw new UsageError(`--cluster ${input.cluster}: unknown cluster; add it under clusters: in gdnctl.yaml or pass a zone`);
    const name =
      input.tpuName ??
      (envRef && envRef.zone === where.zone ? envRef.name : undefined) ??
      leases.find((l) => l.zone === where.zone && l.project === where.project)?.node;
    if (!name) throw new UsageError(`--cluster ${input.cluster}: which TPU? pass --tpu-name`);
    return { ref: { ...where, name, cluster: input.cluster }, source: 'flags' };
  }
  if (input.tpuName !== undefined) {
    if (envRef?.name === input.tpuName) return { ref: envRef, source: 'post-check-env' };
    const lease = leases.find((l) => l.node === input.tpuName);
    if (lease) return { ref: leaseRef(lease), source: 'lease' };
    throw new UsageError(`--tpu-name ${input.tpuName}: no held TPU has that name; pass --cluster too`);
  }
  if (envRef) return { ref: envRef, source: 'post-check-env' };
  if (leases.length === 1) return { ref: leaseRef(leases[0]!), source: 'lease' };
  if (leases.length > 1) {
    throw new UsageError(`several TPUs are held (${leases.map((l) => l.node).join(', ')}); pass --tpu-name to pick one`);
  }
  return undefined;
}

/** Resolve the workers to run on; a missing or not-READY node is exit 4. */
export async function resolveTarget(input: TargetInput, lookup: () => Promise<NodeLookup>): Promise<RunTarget> {
  if (input.workerHosts.length > 0) {
    return { source: 'worker-host', workers: input.workerHosts.map((host, index) => ({ index, host })) };
  }
  const found = resolveNodeRef(input);
  if (!found) {
    throw new ResourceError(
      'no TPU to run on: none is held (no GDNCTL_TPU_* variables, no lease); pass --tpu-name and --cluster, hold one with dev-tpu-allocate, or use --accelerator local',
    );
  }
  const node = await (await lookup()).getNode(found.ref);
  if (!node || node.state === 'MISSING') {
    throw new ResourceError(`TPU ${found.ref.name} not found in ${found.ref.project}/${found.ref.zone} (from ${found.source})`);
  }
  if (node.state !== 'READY') throw new ResourceError(`TPU ${found.ref.name} is ${node.state}, not READY`);
  if (node.workers.length === 0) throw new ResourceError(`TPU ${found.ref.name} reports no network endpoints`);
  return { source: found.source, workers: node.workers, node: { ...found.ref, acceleratorType: node.acceleratorType } };
}
