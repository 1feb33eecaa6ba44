import type { TpuNode, TpuNodeRef, TpuState, TpuWorker } from '../../ports/tpu.js';

/** Node.State numbering of the v2 proto (docs/decisions.md "TPU client facts" §2.5); the REST transport may hand back either form. */
const STATE_BY_NUMBER: Record<number, string> = {
  0: 'STATE_UNSPECIFIED',
  1: 'CREATING',
  2: 'READY',
  3: 'RESTARTING',
  4: 'REIMAGING',
  5: 'DELETING',
  6: 'REPAIRING',
  8: 'STOPPED',
  9: 'STOPPING',
  10: 'STARTING',
  11: 'PREEMPTED',
  12: 'TERMINATED',
  13: 'HIDING',
  14: 'HIDDEN',
  15: 'UNHIDING',
  16: 'UNKNOWN',
};
const KNOWN: readonly TpuState[] = [
  'CREATING',
  'READY',
  'RESTARTING',
  'REPAIRING',
  'DELETING',
  'STOPPED',
  'STOPPING',
  'STARTING',
  'PREEMPTED',
  'TERMINATED',
];

export function normaliseState(raw: unknown): TpuState {
  const name = typeof raw === 'number' ? STATE_BY_NUMBER[raw] : typeof raw === 'string' ? raw : undefined;
  return KNOWN.includes(name as TpuState) ? (name as TpuState) : 'OTHER';
}

interface RawEndpoint {
  ipAddress?: string | null;
  port?: number | null;
  accessConfig?: { externalIp?: string | null } | null;
}

/**
 * One worker per networkEndpoints entry, in order: the external IP, or the internal one with internalIp (or
 * when the node has no external IPs). `endpoint.port` is the TPU runtime's port (8470) and is deliberately
 * dropped here: ssh uses sshPort from config.
 */
export function workersOf(endpoints: readonly RawEndpoint[] | null | undefined, internalIp: boolean): TpuWorker[] {
  const out: TpuWorker[] = [];
  (endpoints ?? []).forEach((e, index) => {
    const external = e.accessConfig?.externalIp || undefined;
    const host = internalIp ? (e.ipAddress ?? external) : (external ?? e.ipAddress ?? undefined);
    if (host) out.push({ index, host });
  });
  return out;
}

export interface RawNode {
  name?: string | null;
  acceleratorType?: string | null;
  state?: unknown;
  networkEndpoints?: RawEndpoint[] | null;
  labels?: Record<string, string> | null;
}

export function toTpuNode(raw: RawNode, ref: TpuNodeRef, internalIp: boolean): TpuNode {
  return {
    project: ref.project,
    zone: ref.zone,
    cluster: ref.cluster,
    name: ref.name,
    acceleratorType: raw.acceleratorType ?? '',
    state: normaliseState(raw.state),
    workers: workersOf(raw.networkEndpoints, internalIp),
    labels: { ...(raw.labels ?? {}) },
  };
}

export function nodePath(ref: Pick<TpuNodeRef, 'project' | 'zone' | 'name'>): string {
  return `projects/${ref.project}/locations/${ref.zone}/nodes/${ref.name}`;
}

/** QueuedResourceState.State numbering of the v2 proto; the REST transport may hand back either form. */
const QUEUED_STATES: Record<number, string> = {
  1: 'CREATING',
  2: 'ACCEPTED',
  3: 'PROVISIONING',
  4: 'FAILED',
  5: 'DELETING',
  6: 'ACTIVE',
  7: 'SUSPENDING',
  8: 'SUSPENDED',
  9: 'WAITING_FOR_RESOURCES',
};

export function queuedStateName(raw: unknown): string {
  return typeof raw === 'number' ? (QUEUED_STATES[raw] ?? String(raw)) : String(raw ?? '');
}
