import type { Logger } from '../../log.js';
import type { TpuCreateOutcome, TpuCreateSpec, TpuNode, TpuNodeRef, TpuProvider } from '../../ports/tpu.js';
import { nodePath, queuedStateName, toTpuNode, type RawNode } from './tpu-node-shape.js';
import { tpuAccessError, tpuQuotaExceeded } from './tpu-api-errors.js';
import { ResourceError } from '../../errors.js';
// --tpu-poll-interval-ms has no upper bound: waits go through long-timer.ts, which holds any length.
import { sleepMs } from '../process/long-timer.js';

export interface GcpTpuProviderOptions {
  /** e.g. http://127.0.0.1:PORT (the emulator); unset in production (tpu.googleapis.com). */
  apiEndpoint?: string | undefined;
  /** Static bearer token; unset in production (Application Default Credentials). */
  accessToken?: string | undefined;
  pollIntervalMs: number;
  retries: number;
  retryMinMs: number;
  internalIp: boolean;
  log?: Logger | undefined;
}

/** gRPC status codes as gax reports them (REST errors are mapped to these too). */
const Code = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, RESOURCE_EXHAUSTED: 8, ABORTED: 10, UNAVAILABLE: 14 } as const;
/**
 * Retried on calls: 429 (RESOURCE_EXHAUSTED), 503 (UNAVAILABLE), DEADLINE. The gapic config marks every TPU
 * method non-idempotent with no retry codes (docs/decisions.md "TPU client facts" §2.3), so gax itself never retries.
 */
const TRANSIENT = new Set<number>([Code.RESOURCE_EXHAUSTED, Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]);
const LABEL_PATCH_TIMEOUT_MS = 60_000; // metadata only: a label patch slower than this counts as failed

export function errorCode(e: unknown): number | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
}

/** Operation as gax decodes it (latestResponse keeps the raw error). */
interface GaxOperation {
  name: string;
  done?: boolean | null;
  error?: { code?: number | null; message?: string | null } | null;
}

// The client type without importing google-gax at module load (this file is imported for types by commands).
type TpuClientV2 = InstanceType<(typeof import('@google-cloud/tpu'))['v2']['TpuClient']>;

/**
 * The real `@google-cloud/tpu` v2 client. Always the REST transport (`fallback`), so production and the tests'
 * emulator exercise the same code: only endpoint and credentials differ (docs/architecture.md "Real parts").
 */
export class GcpTpuProvider implements TpuProvider {
  private constructor(
    private readonly client: TpuClientV2,
    private readonly o: GcpTpuProviderOptions,
  ) {}

  static async create(o: GcpTpuProviderOptions): Promise<GcpTpuProvider> {
    const { v2 } = await import('@google-cloud/tpu');
    const opts: Record<string, string | number | boolean | object> = { fallback: true };
    if (o.apiEndpoint) {
      const u = new URL(o.apiEndpoint);
      const protocol = u.protocol.replace(/:$/, '');
      opts.apiEndpoint = u.hostname;
      opts.port = Number(u.port || (protocol === 'http' ? 80 : 443));
      opts.protocol = protocol;
    }
    if (o.accessToken) {
      const { OAuth2Client } = await import('google-auth-library');
      const auth = new OAuth2Client();
      // A far expiry: a static token never triggers a refresh (which would need a refresh token).
      auth.setCredentials({ access_token: o.accessToken, expiry_date: Date.now() + 365 * 24 * 3600_000 });
      opts.authClient = auth;
    }
    return new GcpTpuProvider(new v2.TpuClient(opts as ConstructorParameters<typeof v2.TpuClient>[0]), o);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * One API call with p-retry backoff on transient codes. Credentials, project and permission errors become a
   * one-line ResourceError here (tpu-api-errors.ts), so every caller stops with exit 4 and the fix, never a trace.
   */
  private async call<T>(what: string, resource: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const { default: pRetry } = await import('p-retry');
    try {
      return await this.retried(pRetry, what, fn, signal);
    } catch (e) {
      throw tpuAccessError(e, resource) ?? e;
    }
  }

  private retried<T>(pRetry: typeof import('p-retry').default, what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return pRetry(fn, {
      retries: this.o.retries,
      minTimeout: this.o.retryMinMs,
      maxTimeout: Math.max(this.o.retryMinMs, 30_000),
      factor: 2,
      ...(signal ? { signal } : {}),
      // A 429 over a quota limit is no rate: retrying the same create only waits.
      shouldRetry: ({ error }) => TRANSIENT.has(errorCode(error) ?? -1) && !tpuQuotaExceeded(error),
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (TRANSIENT.has(errorCode(error) ?? -1) && !tpuQuotaExceeded(error) && retriesLeft > 0) {
          this.o.log?.warn({ what, attempt: attemptNumber, code: errorCode(error) }, `TPU API ${what}: ${error.message}; retrying`);
        }
      },
    });
  }

  async getNode(ref: TpuNodeRef, signal?: AbortSignal): Promise<TpuNode | undefined> {
    try {
      const [raw] = await this.call('getNode', nodePath(ref), () => this.client.getNode({ name: nodePath(ref) }), signal);
      return toTpuNode(raw as RawNode, ref, this.o.internalIp);
    } catch (e) {
      if (errorCode(e) === Code.NOT_FOUND) return undefined;
      throw e;
    }
  }

  async listNodes(project: string, zone: string, cluster: string): Promise<TpuNode[]> {
    const parent = `projects/${project}/locations/${zone}`;
    const [nodes] = await this.call('listNodes', parent, () => this.client.listNodes({ parent }));
    return nodes.map((raw) => {
      const name = String(raw.name ?? '').split('/').pop() ?? '';
      return toTpuNode(raw as RawNode, { project, zone, cluster, name }, this.o.internalIp);
    });
  }

  /** Poll getNode until READY (or a state it will not leave by itself), up to the deadline. */
  async waitReady(ref: TpuNodeRef, timeoutMs: number, signal?: AbortSignal): Promise<TpuNode | undefined> {
    const deadline = Date.now() + timeoutMs;
    let delayMs = Math.min(200, this.o.pollIntervalMs);
    for (;;) {
      const node = await this.getNode(ref, signal);
      if (!node || !['CREATING', 'STARTING', 'RESTARTING', 'REPAIRING', 'OTHER'].includes(node.state)) return node;
      if (Date.now() >= deadline) return node;
      await sleepMs(Math.min(delayMs, Math.max(0, deadline - Date.now())), signal);
      delayMs = Math.min(delayMs * 1.5, this.o.pollIntervalMs);
    }
  }

  /** Poll an operation by name until done; resumable after a restart because only the name is needed. */
  private async waitOperation(
    name: string,
    check: (n: string) => Promise<GaxOperation>,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<GaxOperation | undefined> {
    let delayMs = Math.min(100, this.o.pollIntervalMs);
    for (;;) {
      const op = await this.call('getOperation', name, () => check(name), signal);
      if (op.done) return op;
      if (Date.now() >= deadline) return undefined;
      await sleepMs(Math.min(delayMs, Math.max(0, deadline - Date.now())), signal);
      delayMs = Math.min(delayMs * 1.5, this.o.pollIntervalMs);
    }
  }

  async createNode(
    spec: TpuCreateSpec,
    opts: { readyTimeoutMs: number; queued?: boolean; onAccepted?: (operation: string) => Promise<void>; signal?: AbortSignal },
  ): Promise<TpuCreateOutcome> {
    const deadline = Date.now() + opts.readyTimeoutMs;
    const parent = `projects/${spec.project}/locations/${spec.zone}`;
    const node = {
      acceleratorType: spec.acceleratorType,
      runtimeVersion: spec.runtimeVersion,
      labels: spec.labels,
      metadata: spec.metadata,
      ...(spec.network || spec.subnetwork
        ? { networkConfig: { network: spec.network, subnetwork: spec.subnetwork, enableExternalIps: !this.o.internalIp } }
        : {}),
      ...(spec.serviceAccount ? { serviceAccount: { email: spec.serviceAccount } } : {}),
      ...(spec.spot || spec.reserved ? { schedulingConfig: { spot: Boolean(spec.spot), reserved: Boolean(spec.reserved) } } : {}),
    };
    let operation: string;
    let check: (n: string) => Promise<GaxOperation>;
    try {
      if (opts.queued) {
        const [op] = await this.call(
          'createQueuedResource',
          parent,
          () =>
            this.client.createQueuedResource({
              parent,
              queuedResourceId: spec.name,
              queuedResource: { tpu: { nodeSpec: [{ parent, nodeId: spec.name, node }] }, ...(spec.spot ? { spot: {} } : {}) },
            }),
          opts.signal,
        );
        operation = String(op.name);
        check = (n) => this.client.checkCreateQueuedResourceProgress(n) as unknown as Promise<GaxOperation>;
      } else {
        const [op] = await this.call('createNode', parent, () => this.client.createNode({ parent, nodeId: spec.name, node }), opts.signal);
        operation = String(op.name);
        check = (n) => this.client.checkCreateNodeProgress(n) as unknown as Promise<GaxOperation>;
      }
    } catch (e) {
      if (e instanceof ResourceError) throw e;
      const code = errorCode(e);
      // ALREADY_EXISTS is 6 over gRPC; the REST transport maps HTTP 409 to 10 (ABORTED).
      if (code === Code.ALREADY_EXISTS || code === Code.ABORTED) {
        return { kind: 'already-exists', node: await this.getNode(spec, opts.signal) };
      }
      return { kind: 'failed', message: (e as Error).message, ...(code !== undefined ? { code } : {}) };
    }
    await opts.onAccepted?.(operation);
    const done = await this.waitOperation(operation, check, deadline, opts.signal);
    if (done?.error) {
      const code = done.error.code ?? undefined;
      const message = done.error.message ?? `operation ${operation} failed`;
      // In the operation (not on the call), RESOURCE_EXHAUSTED means the zone has no capacity.
      if (code === Code.RESOURCE_EXHAUSTED) return { kind: 'capacity', message, operation };
      return { kind: 'failed', message, operation, ...(code !== undefined && code !== null ? { code } : {}) };
    }
    if (opts.queued && !done?.error) {
      const waited = await this.waitQueuedActive(`${parent}/queuedResources/${spec.name}`, deadline, opts.signal);
      if (waited !== 'active') {
        return waited === 'timeout'
          ? { kind: 'timeout', message: `queued resource ${spec.name} not ACTIVE after ${Math.round(opts.readyTimeoutMs / 1000)} s`, operation }
          : { kind: 'failed', message: waited.failed, operation };
      }
    }
    // The operation's Node has numeric enums (docs/decisions.md "TPU client facts" §2.4): read the state back with getNode instead.
    const ready = await this.waitReady(spec, Math.max(0, deadline - Date.now()), opts.signal);
    if (ready?.state === 'READY') return { kind: 'ready', node: ready, operation };
    if (!ready || ready.state === 'CREATING' || (opts.queued && !done)) {
      return { kind: 'timeout', message: `node ${spec.name} not READY after ${Math.round(opts.readyTimeoutMs / 1000)} s`, operation };
    }
    return { kind: 'failed', message: `node ${spec.name} is ${ready.state}, not READY`, operation };
  }

  /** A queued resource waits (WAITING_FOR_RESOURCES) until capacity frees up; its node exists only once ACTIVE. */
  private async waitQueuedActive(name: string, deadline: number, signal?: AbortSignal): Promise<'active' | 'timeout' | { failed: string }> {
    let delayMs = Math.min(200, this.o.pollIntervalMs);
    for (;;) {
      const [qr] = await this.call('getQueuedResource', name, () => this.client.getQueuedResource({ name }), signal);
      const state = queuedStateName(qr.state?.state as unknown);
      if (state === 'ACTIVE') return 'active';
      if (state === 'FAILED' || state === 'SUSPENDED' || state === 'SUSPENDING') {
        return { failed: `queued resource ${name} is ${state}: ${qr.state?.failedData?.error?.message ?? 'no detail'}` };
      }
      if (Date.now() >= deadline) return 'timeout';
      await sleepMs(Math.min(delayMs, Math.max(0, deadline - Date.now())), signal);
      delayMs = Math.min(delayMs * 1.5, this.o.pollIntervalMs);
    }
  }

  /** nodes.patch with updateMask `labels`: the whole map is replaced. Waits for the operation (quick for labels). */
  async setLabels(ref: TpuNodeRef, labels: Record<string, string>, signal?: AbortSignal): Promise<{ existed: boolean }> {
    const name = nodePath(ref);
    try {
      const [op] = await this.call('updateNode', name, () => this.client.updateNode({ node: { name, labels }, updateMask: { paths: ['labels'] } }), signal);
      const check = (n: string): Promise<GaxOperation> => this.client.checkUpdateNodeProgress(n) as unknown as Promise<GaxOperation>;
      const done = await this.waitOperation(String(op.name), check, Date.now() + LABEL_PATCH_TIMEOUT_MS, signal);
      if (!done) throw new Error(`label update of ${name} not done after ${LABEL_PATCH_TIMEOUT_MS / 1000} s`);
      if (done.error) throw new Error(`label update of ${name} failed: ${done.error.message ?? 'unknown error'}`);
      return { existed: true };
    } catch (e) {
      if (errorCode(e) === Code.NOT_FOUND) return { existed: false };
      throw e;
    }
  }

  async deleteNode(ref: TpuNodeRef, opts: { wait?: boolean; queued?: boolean } = {}): Promise<{ operation?: string; existed: boolean }> {
    let operation: string;
    let check: (n: string) => Promise<GaxOperation>;
    try {
      if (opts.queued) {
        const name = `projects/${ref.project}/locations/${ref.zone}/queuedResources/${ref.name}`;
        const [op] = await this.call('deleteQueuedResource', name, () => this.client.deleteQueuedResource({ name, force: true }));
        operation = String(op.name);
        check = (n) => this.client.checkDeleteQueuedResourceProgress(n) as unknown as Promise<GaxOperation>;
      } else {
        const [op] = await this.call('deleteNode', nodePath(ref), () => this.client.deleteNode({ name: nodePath(ref) }));
        operation = String(op.name);
        check = (n) => this.client.checkDeleteNodeProgress(n) as unknown as Promise<GaxOperation>;
      }
    } catch (e) {
      if (errorCode(e) === Code.NOT_FOUND) return { existed: false };
      throw e;
    }
    if (opts.wait === false) return { operation, existed: true };
    await this.waitDeleted(ref, operation, undefined, check);
    return { operation, existed: true };
  }

  /** Wait for a delete: by its operation when known (also one sent by an earlier process), else until getNode 404s. */
  async waitDeleted(ref: TpuNodeRef, operation?: string, signal?: AbortSignal, check?: (n: string) => Promise<GaxOperation>): Promise<void> {
    if (operation) {
      const poll = check ?? ((n: string) => this.client.checkDeleteNodeProgress(n) as unknown as Promise<GaxOperation>);
      // Deletes are not bounded by the ready timeout: a release waits until the API says the node is gone.
      const done = await this.waitOperation(operation, poll, Number.POSITIVE_INFINITY, signal);
      if (done?.error) throw new Error(`delete of ${nodePath(ref)} failed: ${done.error.message ?? 'unknown error'}`);
      return;
    }
    let delayMs = Math.min(200, this.o.pollIntervalMs);
    while (await this.getNode(ref, signal)) {
      await sleepMs(delayMs, signal);
      delayMs = Math.min(delayMs * 1.5, this.o.pollIntervalMs);
    }
  }
}
