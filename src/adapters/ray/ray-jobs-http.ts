import { ResourceError } from '../../errors.js';
import type { Redactor } from '../../redact.js';
import type { RayJobInfo, RayJobSpec, RayJobStatus, RayJobs, RaySubmitOutcome, RayVersion } from '../../ports/ray.js';
import type { RayToken } from './ray-token.js';

/**
 * RayJobs over the Ray Jobs REST API of the dashboard (checked against Ray 2.52's published REST description;
 * docs/decisions.md "Issue 17: Ray"): GET /api/version, GET|PUT /api/packages/gcs/<pkg>, POST /api/jobs/,
 * GET /api/jobs/<id>, GET /api/jobs/<id>/logs, POST /api/jobs/<id>/stop. Node's fetch (undici), no Ray client.
 */
export interface RayJobsHttpOptions {
  /** http(s)://HOST:PORT of the dashboard. */
  address: string;
  token: RayToken;
  redact: Redactor;
  /** Cancels a request in flight (Ctrl-C). The stop request itself is sent without it. */
  signal?: AbortSignal;
  requestTimeoutMs?: number;
  /** Attempts after the first for a dropped connection or a 502/503/504. */
  retries?: number;
  retryBaseMs?: number;
}

interface Reply {
  status: number;
  text: string;
}

const RETRY_STATUS = new Set([502, 503, 504]);
const STATUSES: readonly RayJobStatus[] = ['PENDING', 'RUNNING', 'STOPPED', 'SUCCEEDED', 'FAILED'];

export class RayJobsHttp implements RayJobs {
  private readonly base: string;
  constructor(private readonly o: RayJobsHttpOptions) {
    this.base = o.address.replace(/\/+$/, '');
  }

  async version(): Promise<RayVersion> {
    const r = await this.call('GET', '/api/version');
    this.expect(r, [200], 'version');
    const j = parse(r.text) as { version?: unknown; ray_version?: unknown };
    return { version: String(j.version ?? '?'), rayVersion: String(j.ray_version ?? '?') };
  }

  async packageExists(uri: string): Promise<boolean> {
    const r = await this.call('GET', packagePath(uri));
    if (r.status === 404) return false;
    this.expect(r, [200], 'package lookup');
    return true;
  }

  async uploadPackage(uri: string, zip: Uint8Array): Promise<void> {
    const r = await this.call('PUT', packagePath(uri), zip, 'application/octet-stream');
    this.expect(r, [200], 'package upload');
  }

  async submit(spec: RayJobSpec): Promise<RaySubmitOutcome> {
    const body = {
      entrypoint: spec.entrypoint,
      submission_id: spec.submissionId,
      runtime_env: {
        ...(spec.workingDir ? { working_dir: spec.workingDir } : {}),
        ...(spec.envVars && Object.keys(spec.envVars).length > 0 ? { env_vars: spec.envVars } : {}),
      },
      ...(spec.entrypointResources && Object.keys(spec.entrypointResources).length > 0 ? { entrypoint_resources: spec.entrypointResources } : {}),
      ...(spec.metadata ? { metadata: spec.metadata } : {}),
    };
    let retried = false;
    const r = await this.call('POST', '/api/jobs/', JSON.stringify(body), 'application/json', () => (retried = true));
    if (r.status === 400 && /already exists/i.test(r.text)) {
      // A submit whose reply was lost and that was sent again finds its own job: that is a success.
      if (retried) return { kind: 'submitted' };
      return { kind: 'duplicate', message: firstLine(this.o.redact(r.text)) };
    }
    this.expect(r, [200], 'submit');
    return { kind: 'submitted' };
  }

  async status(submissionId: string): Promise<RayJobInfo | undefined> {
    const r = await this.call('GET', `/api/jobs/${encodeURIComponent(submissionId)}`);
    if (r.status === 404) return undefined;
    this.expect(r, [200], 'status');
    const j = parse(r.text) as { status?: unknown; message?: unknown; driver_exit_code?: unknown; metadata?: unknown };
    const status = STATUSES.find((s) => s === j.status);
    if (!status) throw new ResourceError(`ray cluster at ${this.base}: job ${submissionId} has an unknown status ${JSON.stringify(j.status)}`);
    return {
      submissionId,
      status,
      ...(typeof j.message === 'string' ? { message: j.message } : {}),
      ...(typeof j.driver_exit_code === 'number' ? { driverExitCode: j.driver_exit_code } : {}),
      ...(j.metadata && typeof j.metadata === 'object' ? { metadata: j.metadata as Record<string, string> } : {}),
    };
  }

  async logs(submissionId: string): Promise<string> {
    const r = await this.call('GET', `/api/jobs/${encodeURIComponent(submissionId)}/logs`);
    if (r.status === 404) return '';
    this.expect(r, [200], 'logs');
    const j = parse(r.text) as { logs?: unknown };
    return typeof j.logs === 'string' ? j.logs : '';
  }

  async stop(submissionId: string): Promise<boolean> {
    // Sent even after an interrupt: stopping the job is the interrupt's cleanup.
    const r = await this.call('POST', `/api/jobs/${encodeURIComponent(submissionId)}/stop`, undefined, undefined, undefined, false);
    if (r.status === 404) return false;
    this.expect(r, [200], 'stop');
    return (parse(r.text) as { stopped?: unknown }).stopped === true;
  }

  private expect(r: Reply, ok: number[], what: string): void {
    if (ok.includes(r.status)) return;
    if (r.status === 401 || r.status === 403) {
      const t = this.o.token;
      const used = t.source ? `the token from ${t.source}` : 'a request without a token';
      throw new ResourceError(
        `ray cluster at ${this.base} refused ${used} (HTTP ${r.status}); sources tried: ${t.tried.join(', ')}; set RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH to the cluster's token`,
      );
    }
    throw new ResourceError(`ray cluster at ${this.base}: ${what} failed with HTTP ${r.status}: ${firstLine(this.o.redact(r.text))}`);
  }

  private async call(
    method: string,
    path: string,
    body?: string | Uint8Array,
    contentType?: string,
    onRetry?: () => void,
    cancellable = true,
  ): Promise<Reply> {
    const retries = this.o.retries ?? 4;
    const baseMs = this.o.retryBaseMs ?? 250;
    let last = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        onRetry?.();
        await sleep(Math.min(baseMs * 2 ** (attempt - 1), 4000));
      }
      const headers: Record<string, string> = {};
      if (contentType) headers['content-type'] = contentType;
      if (this.o.token.token) headers.authorization = `Bearer ${this.o.token.token}`;
      const timeout = AbortSignal.timeout(this.o.requestTimeoutMs ?? 30_000);
      const signal = cancellable && this.o.signal ? AbortSignal.any([this.o.signal, timeout]) : timeout;
      try {
        const payload = typeof body === 'string' || body === undefined ? body : new Blob([new Uint8Array(body)]);
        const res = await fetch(this.base + path, { method, headers, ...(payload !== undefined ? { body: payload } : {}), signal });
        const text = await res.text();
        if (RETRY_STATUS.has(res.status)) {
          last = `HTTP ${res.status}`;
          continue;
        }
        return { status: res.status, text };
      } catch (e) {
        if (cancellable && this.o.signal?.aborted) throw this.o.signal.reason;
        last = describeNetworkError(e);
      }
    }
    throw new ResourceError(`ray cluster at ${this.base} unreachable (${method} ${path.split('/').slice(0, 3).join('/')}: ${this.o.redact(last)}); check --ray-address or the cluster's ssh tunnel`);
  }
}

/** `gcs://_ray_pkg_<hash>.zip` → `/api/packages/gcs/_ray_pkg_<hash>.zip`. */
export function packagePath(uri: string): string {
  const m = /^([a-z0-9]+):\/\/(.+)$/.exec(uri);
  if (!m) throw new Error(`not a Ray package URI: ${uri}`);
  return `/api/packages/${m[1]}/${encodeURIComponent(m[2]!)}`;
}

function describeNetworkError(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'no reply in time';
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').slice(0, 300);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
