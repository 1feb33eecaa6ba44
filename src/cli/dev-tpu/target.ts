import { ResourceError } from '../../errors.js';
import type { Config } from '../../config/schema.js';
import type { TpuNodeRef, TpuProvider, TpuWorker } from '../../ports/tpu.js';
import { tpuLogDir } from '../../adapters/tpu/tpu-hold-factory.js';
import { listLeases } from '../../adapters/tpu/tpu-lease.js';
import { heldFromEnv, resolveTarget } from '../../adapters/tpu/tpu-target.js';

export type TargetSource = 'worker-host' | 'flags' | 'held' | 'lease' | 'local';

/** Where a dev-tpu-test/profile run goes: the workers, and the node they belong to when there is one. */
export interface RunTarget {
  source: TargetSource;
  workers: TpuWorker[];
  node?: TpuNodeRef & { acceleratorType?: string };
  notes?: string[];
}

/**
 * Explicit --worker-host wins (plain ssh machines, no TPU API). Otherwise the TPU domain picks the node (the
 * held TPU from GDNCTL_TPU_*, which beats --tpu-name and --cluster here: inside a loop a test or profile runs on
 * the node actually held; else a lease, or --tpu-name/--cluster) and getNode gives its workers: one per
 * networkEndpoints entry. Nothing held and nothing named, a missing node or one that is not READY are all
 * "a TPU could not be had": exit 4.
 */
export async function resolveRunTarget(values: Config, env: NodeJS.ProcessEnv, provider: () => Promise<TpuProvider>): Promise<RunTarget> {
  if (values.workerHost.length > 0) {
    return { source: 'worker-host', workers: values.workerHost.map((host, index) => ({ index, host })) };
  }
  if (!(values.tpuName ?? values.devTpuName) && !heldFromEnv(env) && listLeases(tpuLogDir(values)).length === 0) {
    throw new ResourceError(
      'no TPU to run on: none is held (no GDNCTL_TPU_* variables, no lease); pass --tpu-name and --cluster, hold one with dev-tpu-allocate, or use --accelerator local',
    );
  }
  const t = resolveTarget(values, env, { heldWins: true });
  const node = await (await provider()).getNode(t.ref);
  const where = `${t.ref.name} in ${t.ref.project}/${t.ref.zone} (from ${t.source === 'held' ? 'GDNCTL_TPU_*' : t.source})`;
  if (!node || node.state === 'MISSING') throw new ResourceError(`TPU ${where} not found`);
  if (node.state !== 'READY') throw new ResourceError(`TPU ${where} is ${node.state}, not READY`);
  if (node.workers.length === 0) throw new ResourceError(`TPU ${where} reports no network endpoints`);
  return { source: t.source, workers: node.workers, node: { ...t.ref, acceleratorType: node.acceleratorType }, notes: t.notes };
}
