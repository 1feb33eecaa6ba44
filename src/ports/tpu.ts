/** The TPU, by role: the loop sees only TpuHold; the hold talks to the Cloud TPU API through TpuProvider. */

export type TpuState =
  | 'CREATING'
  | 'READY'
  | 'RESTARTING'
  | 'REPAIRING'
  | 'DELETING'
  | 'STOPPED'
  | 'STOPPING'
  | 'STARTING'
  | 'PREEMPTED'
  | 'TERMINATED'
  | 'MISSING'
  | 'OTHER';

export interface TpuWorker {
  index: number;
  /** Address ssh connects to (external IP, or internal with --internal-ip). */
  host: string;
}

export interface TpuNode {
  project: string;
  zone: string;
  cluster: string;
  name: string;
  acceleratorType: string;
  state: TpuState;
  workers: TpuWorker[];
  labels: Record<string, string>;
}

export interface TpuLease {
  project: string;
  zone: string;
  cluster: string;
  node: string;
  operation?: string;
  ownerPid: number;
  ownerHost: string;
  createdAt: string;
  /** Where this lease file lives. */
  file: string;
}

/** A held TPU for the loop (TPU issue). The loop only sees this seam. */
export interface TpuHold {
  /** Acquire (primary then fallbacks); undefined under best-effort when none could be had. */
  acquire(signal?: AbortSignal): Promise<TpuNode | undefined>;
  /** getNode; re-acquire when PREEMPTED/TERMINATED/missing. Returns the (possibly new) node. */
  ensureAlive(signal?: AbortSignal): Promise<{ node: TpuNode | undefined; reacquired: boolean }>;
  current(): TpuNode | undefined;
  /** Delete and wait; with `hurry`, send the delete without waiting and record the operation in the lease. */
  release(opts?: { hurry?: boolean }): Promise<void>;
  /** Path of the lease file of the node held or being created (for state.json's tpuLeaseFile). */
  leaseFile(): string | undefined;
}

/** A node's address: the project/zone/node id triple, plus the cluster name it was resolved from. */
export interface TpuNodeRef {
  project: string;
  zone: string;
  cluster: string;
  name: string;
}

export interface TpuCreateSpec extends TpuNodeRef {
  acceleratorType: string;
  runtimeVersion: string;
  labels: Record<string, string>;
  metadata: Record<string, string>;
  network?: string | undefined;
  subnetwork?: string | undefined;
  spot?: boolean | undefined;
  reserved?: boolean | undefined;
  serviceAccount?: string | undefined;
}

/** Expected create failures are data; the hold decides what to do with each. */
export type TpuCreateOutcome =
  | { kind: 'ready'; node: TpuNode; operation?: string }
  | { kind: 'already-exists'; node: TpuNode | undefined }
  | { kind: 'capacity'; message: string; operation?: string }
  | { kind: 'timeout'; message: string; operation?: string }
  | { kind: 'failed'; message: string; code?: number; operation?: string };

/** The Cloud TPU API, by role (GcpTpuProvider). Transient errors are retried inside. */
export interface TpuProvider {
  getNode(ref: TpuNodeRef, signal?: AbortSignal): Promise<TpuNode | undefined>;
  listNodes(project: string, zone: string, cluster: string): Promise<TpuNode[]>;
  /** Poll until READY or a state the node will not leave by itself; undefined when the node is gone. */
  waitReady(ref: TpuNodeRef, timeoutMs: number, signal?: AbortSignal): Promise<TpuNode | undefined>;
  /** Create and wait for READY; `onAccepted` runs once the API has accepted the request (lease time). */
  createNode(
    spec: TpuCreateSpec,
    opts: { readyTimeoutMs: number; queued?: boolean; onAccepted?: (operation: string) => Promise<void>; signal?: AbortSignal },
  ): Promise<TpuCreateOutcome>;
  /**
   * Replace the node's labels (nodes.patch, updateMask `labels`) and wait for the operation. Holder labels and
   * heartbeats go this way (docs/tpu.md "Who holds a node"). A missing node is not an error.
   */
  setLabels(ref: TpuNodeRef, labels: Record<string, string>, signal?: AbortSignal): Promise<{ existed: boolean }>;
  /** Delete; with `wait` false the call returns once the API accepted it. Missing nodes are not an error. */
  deleteNode(ref: TpuNodeRef, opts?: { wait?: boolean; queued?: boolean }): Promise<{ operation?: string; existed: boolean }>;
  /** Wait until a delete finished: by operation name (resumable by another process), else by polling getNode. */
  waitDeleted(ref: TpuNodeRef, operation?: string, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
