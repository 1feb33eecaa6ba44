/**
 * A Cloud TPU API v2 emulator: a loopback node:http server speaking the REST paths that `@google-cloud/tpu`'s
 * v2 client uses with `fallback: true` (docs/decisions.md "TPU client facts" §2.6). Node lifecycle:
 *
 *   createNode ──▶ CREATING ──(readyDelayMs)──▶ READY ──preempt()──▶ PREEMPTED
 *        │                                       │
 *        └─ capacity fault: op fails, code 8      └─ deleteNode ──▶ DELETING ──(deleteDelayMs)──▶ gone
 *
 *   patchNode (PATCH /v2/{name}?updateMask=labels,…): the masked fields are replaced at once and the operation
 *   is done on its first poll; invalid labels (keys `[a-z][a-z0-9_-]{0,62}`, values `[a-z0-9_-]{0,63}`, at
 *   most 64) are refused with 400 INVALID_ARGUMENT, on create as well.
 *
 * States are computed lazily from timestamps on each request, so nothing runs in the background.
 * Operations carry the `@type` URLs the client requires. Faults: HTTP 429/503 on the next matching requests,
 * RESOURCE_EXHAUSTED in the create operation per zone, slow READY per zone, preemption on demand, and the access
 * errors (401 UNAUTHENTICATED, 403 PERMISSION_DENIED / SERVICE_DISABLED, an unknown project) with the real texts.
 *
 * In-process: `const emu = await TpuEmulator.start()`. Standalone (crash tests, another process):
 * `node --import tsx test/fakes/tpu-emulator.ts --port 0` prints `{"port":N}`; the same controls are at
 * `/_emulator/{nodes,requests,faults,preempt,labels}` as JSON.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const TYPE_NODE = 'type.googleapis.com/google.cloud.tpu.v2.Node';
const TYPE_QR = 'type.googleapis.com/google.cloud.tpu.v2.QueuedResource';
const TYPE_META = 'type.googleapis.com/google.cloud.tpu.v2.OperationMetadata';
const TYPE_EMPTY = 'type.googleapis.com/google.protobuf.Empty';
const NODE_STATES: Record<string, number> = { CREATING: 1, READY: 2, DELETING: 5, PREEMPTED: 11, TERMINATED: 12 };
/** The TPU runtime port. Real nodes report 8470 here; it is never the ssh port. */
export const RUNTIME_PORT = 8470;

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  at: number;
  status: number;
}

export interface EmulatedNode {
  name: string;
  project: string;
  zone: string;
  nodeId: string;
  body: Record<string, unknown>;
  state: 'CREATING' | 'READY' | 'DELETING' | 'PREEMPTED' | 'TERMINATED';
  createdAt: number;
  readyAt: number;
  deleteAt?: number;
}

interface Operation {
  name: string;
  /** Returns the finished operation's result or error, or undefined while it runs. */
  settle: () => { response?: Record<string, unknown>; error?: { code: number; message: string } } | undefined;
  verb: string;
  target: string;
}

interface HttpFault {
  method?: string;
  pathIncludes?: string;
  status: number;
  remaining: number;
  /** Error message and google.rpc.ErrorInfo reason, as the real API words them (default: "emulated <status>"). */
  message?: string;
  reason?: string;
}

const STATUS_NAMES: Record<number, string> = {
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  503: 'UNAVAILABLE',
};

/** A Google API error body; with a reason, the ErrorInfo detail google-gax reads it from. */
function errorBody(status: number, message: string, reason?: string): unknown {
  const details = reason ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com', metadata: { service: 'tpu.googleapis.com' } }] : undefined;
  return { error: { code: status, message, status: STATUS_NAMES[status] ?? 'INTERNAL', ...(details ? { details } : {}) } };
}

const PATCHABLE = ['description', 'tags', 'labels', 'metadata'];

function invalid(message: string): [number, unknown] {
  return [400, { error: { code: 400, message, status: 'INVALID_ARGUMENT' } }];
}

/**
 * The Cloud label rules, restricted to ASCII as gdnctl writes them: a key is 1–63 characters of [a-z0-9_-]
 * starting with a lowercase letter, a value 0–63 characters of [a-z0-9_-], at most 64 labels. The reason, or
 * undefined when the labels are valid (or absent).
 */
export function labelProblem(labels: unknown): string | undefined {
  if (labels === undefined || labels === null) return undefined;
  if (typeof labels !== 'object' || Array.isArray(labels)) return 'labels must be a map of strings';
  const entries = Object.entries(labels as Record<string, unknown>);
  if (entries.length > 64) return `at most 64 labels, got ${entries.length}`;
  for (const [k, v] of entries) {
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k)) return `invalid label key "${k}": 1-63 characters of [a-z0-9_-], starting with a lowercase letter`;
    if (typeof v !== 'string' || !/^[a-z0-9_-]{0,63}$/.test(v)) return `invalid value for label "${k}": "${String(v)}" is not 0-63 characters of [a-z0-9_-]`;
  }
  return undefined;
}

export interface EmulatorOptions {
  port?: number;
  readyDelayMs?: number;
  deleteDelayMs?: number;
  /** Address of worker `index` of a node; default 127.0.0.(2+index), so sshd per worker is easy to start. */
  workerAddress?: (nodeId: string, index: number) => string;
}

/** Hosts per slice: v4/v5p count TensorCores (8 per host), v5e/v6e count chips (8 on one host, else 4 per host). */
export function workersFor(acceleratorType: string): number {
  const m = /^(v\d+[a-z]*)-(\d+)$/.exec(acceleratorType);
  if (!m) return 1;
  const n = Number(m[2]);
  if (m[1] === 'v5litepod' || m[1] === 'v6e' || m[1] === 'v5e') return n <= 8 ? 1 : n / 4;
  return Math.max(1, Math.floor(n / 8));
}

export class TpuEmulator {
  readonly requests: RequestRecord[] = [];
  readonly nodes = new Map<string, EmulatedNode>();
  readonly queuedResources = new Map<string, { name: string; body: Record<string, unknown>; nodeName: string }>();
  private readonly operations = new Map<string, Operation>();
  private readonly httpFaults: HttpFault[] = [];
  private readonly unknownProjects = new Set<string>();
  private readonly capacityFaults = new Map<string, number>();
  /** A project's node quota (setNodeQuota): creates past it answer 429 as the real API words it. */
  private readonly nodeQuotas = new Map<string, { limit: number; quota: string }>();
  private readonly zoneReadyDelayMs = new Map<string, number>();
  private opCounter = 0;
  /** Accepted nodes.patch calls (rejected ones are not counted). */
  patches = 0;
  readyDelayMs: number;
  deleteDelayMs: number;
  private readonly workerAddress: (nodeId: string, index: number) => string;

  private constructor(
    private readonly server: Server,
    opts: EmulatorOptions,
  ) {
    this.readyDelayMs = opts.readyDelayMs ?? 50;
    this.deleteDelayMs = opts.deleteDelayMs ?? 20;
    this.workerAddress = opts.workerAddress ?? ((_n, i) => `127.0.0.${2 + i}`);
  }

  static async start(opts: EmulatorOptions = {}): Promise<TpuEmulator> {
    const server = createServer();
    const emu = new TpuEmulator(server, opts);
    server.on('request', (req, res) => void emu.handle(req, res));
    await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
    return emu;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------------------------------- faults

  /**
   * The next `count` requests matching method/path answer with this HTTP status (429, 503, 401, 403, 404, …),
   * optionally with the real API's message and ErrorInfo reason.
   */
  failNext(status: number, opts: { method?: string; pathIncludes?: string; count?: number; message?: string; reason?: string } = {}): void {
    this.httpFaults.push({ status, remaining: opts.count ?? 1, ...opts });
  }

  /** Every request on this project answers as the real API does for a project that does not exist (403, CONSUMER_INVALID). */
  failUnknownProject(project: string): void {
    this.unknownProjects.add(project);
  }

  /** Drop every pending injected fault (HTTP, unknown projects, capacity, slow READY). */
  clearFaults(): void {
    this.httpFaults.length = 0;
    this.unknownProjects.clear();
    this.capacityFaults.clear();
    this.nodeQuotas.clear();
    this.zoneReadyDelayMs.clear();
  }

  /**
   * At most `limit` nodes (any state but gone) in `project`: a create past it answers HTTP 429 RESOURCE_EXHAUSTED
   * "Quota limit '<quota>' has been exceeded. Limit: <limit> in region <region>." on the call itself, as the
   * real API does for a project quota. Cleared by clearFaults.
   */
  setNodeQuota(project: string, limit: number, quota = 'TPUV5PPerProjectPerRegionForTPUAPI'): void {
    this.nodeQuotas.set(project, { limit, quota });
  }

  /** The next `count` creates in this zone fail in their operation with RESOURCE_EXHAUSTED (code 8). */
  failCapacity(zone: string, count = Number.POSITIVE_INFINITY): void {
    this.capacityFaults.set(zone, count);
  }

  /** Slow READY for nodes created from now on in this zone. */
  setReadyDelay(zone: string, ms: number): void {
    this.zoneReadyDelayMs.set(zone, ms);
  }

  /** Preempt a node (by node id or full name), as a spot/preemptible node would be. */
  preempt(node: string): void {
    const n = this.find(node);
    if (!n) throw new Error(`emulator: no node ${node}`);
    n.state = 'PREEMPTED';
  }

  /** Replace some of a node's labels behind gdnctl's back (another holder, an old heartbeat); unvalidated on purpose. */
  setLabels(node: string, labels: Record<string, string>): void {
    const n = this.find(node);
    if (!n) throw new Error(`emulator: no node ${node}`);
    n.body.labels = { ...((n.body.labels as Record<string, string> | undefined) ?? {}), ...labels };
  }

  /** A node's labels as the API would return them now. */
  labelsOf(node: string): Record<string, string> | undefined {
    const n = this.find(node);
    return n ? { ...((n.body.labels as Record<string, string> | undefined) ?? {}) } : undefined;
  }

  /** Live nodes (deleted ones are gone), with states brought up to date. */
  liveNodes(): EmulatedNode[] {
    for (const n of this.nodes.values()) this.tick(n);
    return [...this.nodes.values()];
  }

  requestsMatching(method: string, pathIncludes: string): RequestRecord[] {
    return this.requests.filter((r) => r.method === method && r.path.includes(pathIncludes));
  }

  private find(node: string): EmulatedNode | undefined {
    return this.nodes.get(node) ?? [...this.nodes.values()].find((n) => n.nodeId === node);
  }

  private tick(n: EmulatedNode): void {
    const now = Date.now();
    if (n.state === 'CREATING' && now >= n.readyAt) n.state = 'READY';
    if (n.state === 'DELETING' && n.deleteAt !== undefined && now >= n.deleteAt) this.nodes.delete(n.name);
  }

  // ------------------------------------------------------------------------------------- rendering

  private render(n: EmulatedNode, intEnums: boolean): Record<string, unknown> {
    const accel = String(n.body.acceleratorType ?? 'v4-8');
    const endpoints = Array.from({ length: workersFor(accel) }, (_, i) => {
      const ip = this.workerAddress(n.nodeId, i);
      return { ipAddress: ip, port: RUNTIME_PORT, accessConfig: { externalIp: ip } };
    });
    return {
      ...n.body,
      name: n.name,
      acceleratorType: accel,
      state: intEnums ? NODE_STATES[n.state] : n.state,
      networkEndpoints: n.state === 'CREATING' ? [] : endpoints,
      createTime: new Date(n.createdAt).toISOString(),
      apiVersion: intEnums ? 3 : 'V2',
    };
  }

  private newOperation(project: string, zone: string, verb: string, target: string, settle: Operation['settle']): Operation {
    this.opCounter += 1;
    const name = `projects/${project}/locations/${zone}/operations/operation-${Date.now()}-${this.opCounter}`;
    const op = { name, settle, verb, target };
    this.operations.set(name, op);
    return op;
  }

  private renderOperation(op: Operation): Record<string, unknown> {
    const result = op.settle();
    const out: Record<string, unknown> = {
      name: op.name,
      metadata: { '@type': TYPE_META, verb: op.verb, target: op.target, apiVersion: 'v2', createTime: new Date().toISOString() },
      done: result !== undefined,
    };
    if (result?.error) out.error = result.error;
    if (result?.response) out.response = result.response;
    return out;
  }

  // -------------------------------------------------------------------------------------- routing

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const query = Object.fromEntries(url.searchParams.entries());
    const record: RequestRecord = { method: req.method ?? 'GET', path: url.pathname, query, body, at: Date.now(), status: 0 };
    const send = (status: number, payload: unknown): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload ?? {}));
    };
    if (url.pathname.startsWith('/_emulator/')) return this.control(url.pathname, body, send);
    this.requests.push(record);
    const fault = this.httpFaults.find(
      (f) => f.remaining > 0 && (!f.method || f.method === record.method) && (!f.pathIncludes || record.path.includes(f.pathIncludes)),
    );
    if (fault) {
      fault.remaining -= 1;
      return send(fault.status, errorBody(fault.status, fault.message ?? `emulated ${fault.status}`, fault.reason));
    }
    const project = /^\/v2\/projects\/([^/]+)\//.exec(record.path)?.[1];
    if (project && this.unknownProjects.has(project)) {
      return send(403, errorBody(403, `Permission denied on resource project ${project}.`, 'CONSUMER_INVALID'));
    }
    try {
      const [status, payload] = this.route(record, (query.$alt ?? '').includes('enum-encoding=int'));
      send(status, payload);
    } catch (e) {
      send(500, { error: { code: 500, message: String(e), status: 'INTERNAL' } });
    }
  }

  private route(r: RequestRecord, intEnums: boolean): [number, unknown] {
    const notFound = (what: string): [number, unknown] => [404, { error: { code: 404, message: `${what} not found`, status: 'NOT_FOUND' } }];
    let m = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/operations\/([^/:]+)$/.exec(r.path);
    if (m && r.method === 'GET') {
      const op = this.operations.get(r.path.slice('/v2/'.length));
      return op ? [200, this.renderOperation(op)] : notFound('operation');
    }
    m = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/nodes$/.exec(r.path);
    if (m && r.method === 'POST') return this.createNode(m[1]!, m[2]!, r.query.nodeId ?? '', (r.body ?? {}) as Record<string, unknown>, intEnums);
    if (m && r.method === 'GET') {
      const prefix = `projects/${m[1]}/locations/${m[2]}/nodes/`;
      const nodes = this.liveNodes().filter((n) => n.name.startsWith(prefix));
      return [200, { nodes: nodes.map((n) => this.render(n, intEnums)) }];
    }
    m = /^\/v2\/(projects\/([^/]+)\/locations\/([^/]+)\/nodes\/([^/:]+))$/.exec(r.path);
    if (m) {
      const node = this.nodes.get(m[1]!);
      if (node) this.tick(node);
      const live = this.nodes.get(m[1]!);
      if (!live) return notFound(`node ${m[1]}`);
      if (r.method === 'GET') return [200, this.render(live, intEnums)];
      if (r.method === 'DELETE') return this.deleteNode(live, m[2]!, m[3]!);
      if (r.method === 'PATCH') return this.patchNode(live, m[2]!, m[3]!, r.query.updateMask ?? '', (r.body ?? {}) as Record<string, unknown>, intEnums);
    }
    m = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/queuedResources$/.exec(r.path);
    if (m && r.method === 'POST') {
      return this.createQueued(m[1]!, m[2]!, r.query.queuedResourceId ?? '', (r.body ?? {}) as Record<string, unknown>, intEnums);
    }
    m = /^\/v2\/(projects\/([^/]+)\/locations\/([^/]+)\/queuedResources\/([^/:]+))$/.exec(r.path);
    if (m) {
      const qr = this.queuedResources.get(m[1]!);
      if (!qr) return notFound(`queued resource ${m[1]}`);
      if (r.method === 'GET') return [200, this.renderQueued(qr, intEnums)];
      if (r.method === 'DELETE') {
        const node = this.nodes.get(qr.nodeName);
        if (node && r.query.force !== 'true') {
          return [400, { error: { code: 400, message: 'queued resource has a node; delete it or pass force', status: 'FAILED_PRECONDITION' } }];
        }
        if (node) this.beginDelete(node);
        this.queuedResources.delete(m[1]!);
        const op = this.newOperation(m[2]!, m[3]!, 'delete', m[1]!, () => {
          const n = this.nodes.get(qr.nodeName);
          if (n) this.tick(n);
          return this.nodes.has(qr.nodeName) ? undefined : { response: { '@type': TYPE_EMPTY } };
        });
        return [200, this.renderOperation(op)];
      }
    }
    return [404, { error: { code: 404, message: `emulator: no route ${r.method} ${r.path}`, status: 'NOT_FOUND' } }];
  }

  private admitNode(project: string, zone: string, nodeId: string, body: Record<string, unknown>): EmulatedNode | [number, unknown] {
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(nodeId)) {
      return [400, { error: { code: 400, message: `invalid nodeId "${nodeId}"`, status: 'INVALID_ARGUMENT' } }];
    }
    if (!body.runtimeVersion) return [400, { error: { code: 400, message: 'runtimeVersion is required', status: 'INVALID_ARGUMENT' } }];
    const badLabels = labelProblem(body.labels);
    if (badLabels) return invalid(badLabels);
    const name = `projects/${project}/locations/${zone}/nodes/${nodeId}`;
    const existing = this.nodes.get(name);
    if (existing) this.tick(existing);
    if (this.nodes.has(name)) {
      return [409, { error: { code: 409, message: `node ${name} already exists`, status: 'ALREADY_EXISTS' } }];
    }
    const now = Date.now();
    const node: EmulatedNode = {
      name,
      project,
      zone,
      nodeId,
      body: { ...body },
      state: 'CREATING',
      createdAt: now,
      readyAt: now + (this.zoneReadyDelayMs.get(zone) ?? this.readyDelayMs),
    };
    return node;
  }

  private takeCapacityFault(zone: string): boolean {
    const left = this.capacityFaults.get(zone) ?? 0;
    if (left <= 0) return false;
    this.capacityFaults.set(zone, left - 1);
    return true;
  }

  private createNode(project: string, zone: string, nodeId: string, body: Record<string, unknown>, intEnums: boolean): [number, unknown] {
    const admitted = this.admitNode(project, zone, nodeId, body);
    if (Array.isArray(admitted)) return admitted;
    const q = this.nodeQuotas.get(project);
    if (q && [...this.nodes.values()].filter((n) => n.project === project).length >= q.limit) {
      return [429, errorBody(429, `Quota limit '${q.quota}' has been exceeded. Limit: ${q.limit} in region ${zone.replace(/-[a-z]$/, '')}.`)];
    }
    const capacity = this.takeCapacityFault(zone);
    if (!capacity) this.nodes.set(admitted.name, admitted);
    const op = this.newOperation(project, zone, 'create', admitted.name, () => {
      if (capacity) return { error: { code: 8, message: `There is no more capacity in the zone "${zone}"; you can try in another zone` } };
      const n = this.nodes.get(admitted.name);
      if (!n) return { error: { code: 10, message: 'node was deleted while it was being created' } };
      this.tick(n);
      if (n.state === 'CREATING') return undefined;
      return { response: { '@type': TYPE_NODE, ...this.render(n, intEnums) } };
    });
    return [200, this.renderOperation(op)];
  }

  private beginDelete(node: EmulatedNode): void {
    if (node.state !== 'DELETING') {
      node.state = 'DELETING';
      node.deleteAt = Date.now() + this.deleteDelayMs;
    }
  }

  private deleteNode(node: EmulatedNode, project: string, zone: string): [number, unknown] {
    this.beginDelete(node);
    const op = this.newOperation(project, zone, 'delete', node.name, () => {
      const n = this.nodes.get(node.name);
      if (n) this.tick(n);
      return this.nodes.has(node.name) ? undefined : { response: { '@type': TYPE_EMPTY } };
    });
    return [200, this.renderOperation(op)];
  }

  /**
   * nodes.patch: only the fields named in updateMask change (a named field absent from the body is cleared, as
   * a field mask means). The real API accepts description, tags, labels, metadata and
   * networkConfig.enable_external_ips; the emulator implements the first four.
   */
  private patchNode(node: EmulatedNode, project: string, zone: string, updateMask: string, body: Record<string, unknown>, intEnums: boolean): [number, unknown] {
    const paths = updateMask.split(',').map((p) => p.trim()).filter(Boolean);
    if (paths.length === 0) return invalid('updateMask is required');
    const unsupported = paths.filter((p) => !PATCHABLE.includes(p));
    if (unsupported.length > 0) return invalid(`updateMask names unsupported field(s) ${unsupported.join(', ')}; supported: ${PATCHABLE.join(', ')}`);
    if (paths.includes('labels')) {
      const bad = labelProblem(body.labels);
      if (bad) return invalid(bad);
    }
    if (node.state === 'DELETING') {
      return [400, { error: { code: 400, message: `node ${node.name} is being deleted`, status: 'FAILED_PRECONDITION' } }];
    }
    for (const p of paths) {
      if (body[p] === undefined) delete node.body[p];
      else node.body[p] = body[p];
    }
    this.patches += 1;
    const snapshot = this.render(node, intEnums);
    const op = this.newOperation(project, zone, 'update', node.name, () => ({ response: { '@type': TYPE_NODE, ...snapshot } }));
    return [200, this.renderOperation(op)];
  }

  private createQueued(project: string, zone: string, id: string, body: Record<string, unknown>, intEnums: boolean): [number, unknown] {
    const spec = ((body.tpu as { nodeSpec?: Array<Record<string, unknown>> } | undefined)?.nodeSpec ?? [])[0];
    if (!spec) return [400, { error: { code: 400, message: 'tpu.nodeSpec is required', status: 'INVALID_ARGUMENT' } }];
    const qrName = `projects/${project}/locations/${zone}/queuedResources/${id}`;
    if (this.queuedResources.has(qrName)) {
      return [409, { error: { code: 409, message: `queued resource ${qrName} already exists`, status: 'ALREADY_EXISTS' } }];
    }
    const admitted = this.admitNode(project, zone, String(spec.nodeId ?? ''), (spec.node ?? {}) as Record<string, unknown>);
    if (Array.isArray(admitted)) return admitted;
    // A queued resource under a capacity fault waits (WAITING_FOR_RESOURCES) instead of failing.
    const waiting = this.takeCapacityFault(zone);
    if (!waiting) this.nodes.set(admitted.name, { ...admitted, body: { ...admitted.body, queuedResource: qrName } });
    const qr = { name: qrName, body, nodeName: admitted.name };
    this.queuedResources.set(qrName, qr);
    const op = this.newOperation(project, zone, 'create', qrName, () => ({ response: { '@type': TYPE_QR, ...this.renderQueued(qr, intEnums) } }));
    return [200, this.renderOperation(op)];
  }

  private renderQueued(qr: { name: string; body: Record<string, unknown>; nodeName: string }, intEnums: boolean): Record<string, unknown> {
    const node = this.nodes.get(qr.nodeName);
    if (node) this.tick(node);
    const state = !node ? 'WAITING_FOR_RESOURCES' : node.state === 'READY' ? 'ACTIVE' : 'PROVISIONING';
    const num: Record<string, number> = { PROVISIONING: 3, ACTIVE: 6, WAITING_FOR_RESOURCES: 9 };
    return { ...qr.body, name: qr.name, state: { state: intEnums ? num[state] : state } };
  }

  // -------------------------------------------------------------------------------------- control

  private control(path: string, body: unknown, send: (s: number, p: unknown) => void): void {
    const b = (body ?? {}) as Record<string, unknown>;
    switch (path) {
      case '/_emulator/nodes':
        return send(200, { nodes: this.liveNodes().map((n) => ({ name: n.name, state: n.state, labels: n.body.labels, metadata: n.body.metadata })) });
      case '/_emulator/requests':
        return send(200, { requests: this.requests });
      case '/_emulator/faults':
        if (b.capacityZone) this.failCapacity(String(b.capacityZone), Number(b.count ?? Number.MAX_SAFE_INTEGER));
        if (b.status) this.failNext(Number(b.status), b as { method?: string; pathIncludes?: string; count?: number; message?: string; reason?: string });
        if (b.unknownProject) this.failUnknownProject(String(b.unknownProject));
        if (b.readyDelayMs !== undefined) this.readyDelayMs = Number(b.readyDelayMs);
        return send(200, {});
      case '/_emulator/labels':
        this.setLabels(String(b.node), (b.labels ?? {}) as Record<string, string>);
        return send(200, {});
      case '/_emulator/preempt':
        this.preempt(String(b.node));
        return send(200, {});
      default:
        return send(404, { error: { code: 404, message: `emulator: no control ${path}` } });
    }
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const num = (flag: string): number | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const emu = await TpuEmulator.start({ port: num('--port') ?? 0, readyDelayMs: num('--ready-delay-ms'), deleteDelayMs: num('--delete-delay-ms') });
  process.stdout.write(JSON.stringify({ port: emu.port, endpoint: emu.endpoint }) + '\n');
  const stop = (): void => void emu.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
