/**
 * env-snapshot.txt of a `--bench-on ray` job's host. The runner prints the TPU site's snapshot (SNAPSHOT_SCRIPT,
 * in the candidate tree) plus the Ray node's own facts, framed by its tag; this reads them back into the same
 * fingerprint and label as on the TPU, so a baseline measured on one host type is not reused on another.
 *
 * The type is the host's own word: TPU_ACCELERATOR_TYPE (what Ray reads to name a node's `TPU-<type>-head`
 * resource), else the GCE metadata server's accelerator-type, else `rayTpu` when the job asked for that head
 * resource (the scheduler then guaranteed it), else unknown.
 */
import type { EnvSnapshot } from '../../ports/bench.js';
import { describeTpuShape } from '../../core/tpu-chips.js';
import { envIdentity, SNAPSHOT_SCRIPT, stackLines } from '../measure/remote-env-snapshot.js';

/** The runner's .gdnctl-ray/env.sh: the TPU snapshot, then what the Ray node itself says. */
export const RAY_SNAPSHOT_SCRIPT = [
  SNAPSHOT_SCRIPT,
  'echo "gdnctl.ray_accelerator_type=${TPU_ACCELERATOR_TYPE-}"',
  'echo "gdnctl.ray_tpu_name=${TPU_NAME-}"',
  'echo "gdnctl.ray_tpu_worker_id=${TPU_WORKER_ID-}"',
  'echo "gdnctl.ray_node_ip=${RAY_NODE_IP_ADDRESS-${MY_POD_IP-}}"',
  'true',
].join('\n');

export interface RayHostFacts {
  cluster: string;
  /** `rayTpu` of the config: a type the job's head resource asked for, or auto. */
  rayTpu: string;
  head: string;
  submissionId: string;
  now?: Date;
}

export function rayHostSnapshot(v: Record<string, string>, o: RayHostFacts): EnvSnapshot {
  const [type, source] = v.ray_accelerator_type
    ? [v.ray_accelerator_type, 'TPU_ACCELERATOR_TYPE']
    : v.md_accelerator_type
      ? [v.md_accelerator_type, 'GCE metadata']
      : o.rayTpu !== 'auto'
        ? [o.rayTpu, `the job's TPU-${o.rayTpu}-head resource`]
        : ['unknown', 'not exposed by the host'];
  const runtime = v.md_runtime_version || 'unknown';
  // The job's entrypoint runs on one host of the slice; the type carries the slice's shape.
  const id = envIdentity(v, { type, hosts: 1, runtime });
  const host = v.hostname || '?';
  const text = [
    '# Environment snapshot (the benchmark ran in a Ray job; taken on the job\'s host)',
    `Date: ${(o.now ?? new Date()).toISOString()}`,
    `Git SHA: ${o.head}`,
    `Accelerator: TPU ${type} (from ${source}) on Ray cluster ${o.cluster}`,
    `Chips: ${describeTpuShape(type)}`,
    `Ray job: ${o.submissionId}`,
    `Host: ${host}${v.ray_node_ip ? ` (${v.ray_node_ip})` : ''}${v.ray_tpu_name ? `, TPU ${v.ray_tpu_name}` : ''}${v.ray_tpu_worker_id ? ` worker ${v.ray_tpu_worker_id}` : ''}`,
    `TPU runtime: ${runtime}`,
    `Fingerprint: ${id.fingerprint}`,
    `Machine: ${v.os || '?'}, ${v.cpus || '?'} CPUs, ${v.mem_kb ? `${Math.round(Number(v.mem_kb) / 2 ** 20)} GiB` : '? GiB'}`,
    ...stackLines(v),
    '',
  ].join('\n');
  // The host in the label: a changed type then says which host the job landed on.
  return { text, fingerprint: id.fingerprint, label: `${id.label} on host ${host}` };
}
