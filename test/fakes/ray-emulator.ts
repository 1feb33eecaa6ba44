/**
 * A Ray Jobs API emulator: a loopback node:http server speaking the dashboard's REST paths as Ray 2.52 publishes
 * them (docs/decisions.md "Issue 17: Ray"), written from the public description, not Ray's code.
 *
 *   POST /api/jobs/ ──▶ PENDING ──(slowStartMs)──▶ RUNNING ──exit 0──▶ SUCCEEDED
 *                          │                          ├──exit ≠0──▶ FAILED (driver_exit_code)
 *                          │                          └──stop────▶ STOPPED (SIGTERM to the group, SIGKILL after 3 s)
 *                          ├──failStart──▶ FAILED (no driver_exit_code: the entrypoint never ran)
 *                          └──stop──────▶ STOPPED
 *
 * Entrypoints run as real local processes (`/bin/sh -c`, own process group) in an unpacked copy of the
 * uploaded working_dir zip, with runtime_env.env_vars on top of this process's environment.
 * Token check: with `token` set, a request without `Authorization: Bearer …` gets 401, a wrong one 403.
 * Faults: `unavailable` (the next N requests get 503), `drop` (the next N connections are destroyed before a
 * reply), `dropReply` (carried out, then the connection is destroyed), `slowStartMs`, `failStart`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';

export type EmulatedStatus = 'PENDING' | 'RUNNING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED';

export interface EmulatedJob {
  submissionId: string;
  jobId: string;
  entrypoint: string;
  runtimeEnv: { working_dir?: string; env_vars?: Record<string, string> };
  entrypointResources?: Record<string, number>;
  metadata: Record<string, string>;
  status: EmulatedStatus;
  message: string;
  logs: string;
  exitCode?: number;
  startTime: number;
  endTime?: number;
  dir?: string;
  child?: ChildProcess;
  startTimer?: NodeJS.Timeout;
}

export interface RayFaults {
  unavailable?: number;
  drop?: number;
  /** The next N requests are carried out, then their connection is destroyed instead of the reply. */
  dropReply?: number;
  slowStartMs?: number;
  failStart?: boolean;
}

export interface RayRequestRecord {
  method: string;
  path: string;
  status: number;
  authorized: boolean;
}

export class RayEmulator {
  readonly jobs = new Map<string, EmulatedJob>();
  readonly packages = new Map<string, Uint8Array>();
  readonly requests: RayRequestRecord[] = [];
  faults: RayFaults = {};
  /**
   * The environment of the node a job lands on, before the job's own env_vars (as a Ray worker's environment
   * is): e.g. `TPU_ACCELERATOR_TYPE`, which a test may switch between jobs to move the run to another host type.
   */
  hostEnv: (j: EmulatedJob) => Record<string, string> = () => ({});
  token: string | undefined;
  private nextJob = 1;
  private readonly root = mkdtempSync(join(tmpdir(), 'gdnctl-rayemu-'));

  private constructor(private readonly server: Server, readonly address: string) {}

  static async start(o: { token?: string; host?: string } = {}): Promise<RayEmulator> {
    let emu: RayEmulator | undefined;
    const server = createServer((req, res) => void emu!.handle(req, res));
    await new Promise<void>((r) => server.listen(0, o.host ?? '127.0.0.1', r));
    const { port, address } = server.address() as AddressInfo;
    emu = new RayEmulator(server, `http://${address}:${port}`);
    emu.token = o.token;
    return emu;
  }

  get port(): number {
    return Number(new URL(this.address).port);
  }

  /** Wait until a job reaches a terminal state (tests). */
  async settled(id: string, timeoutMs = 20_000): Promise<EmulatedJob> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const j = this.jobs.get(id);
      if (j && (j.status === 'SUCCEEDED' || j.status === 'FAILED' || j.status === 'STOPPED') && !j.child) return j;
      if (Date.now() > until) throw new Error(`job ${id} did not settle: ${j?.status}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(): Promise<void> {
    for (const j of this.jobs.values()) {
      if (j.startTimer) clearTimeout(j.startTimer);
      if (j.child?.pid) killGroup(j.child.pid, 'SIGKILL');
    }
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.root, { recursive: true, force: true });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const body = await readBody(req);
    const record = (status: number, authorized: boolean): void => {
      this.requests.push({ method: req.method ?? '', path, status, authorized });
    };
    if ((this.faults.drop ?? 0) > 0) {
      this.faults.drop!--;
      record(0, false);
      req.socket.destroy();
      return;
    }
    if ((this.faults.unavailable ?? 0) > 0) {
      this.faults.unavailable!--;
      record(503, false);
      return send(res, 503, 'text/plain', 'Service Unavailable');
    }
    if (this.token !== undefined) {
      const auth = req.headers.authorization;
      if (!auth) {
        record(401, false);
        return send(res, 401, 'text/plain', 'Unauthorized: Missing authentication token');
      }
      if (auth !== `Bearer ${this.token}`) {
        record(403, false);
        return send(res, 403, 'text/plain', 'Forbidden: Invalid authentication token');
      }
    }
    const reply = this.route(req.method ?? 'GET', path, body);
    if ((this.faults.dropReply ?? 0) > 0) {
      this.faults.dropReply!--;
      record(0, true);
      req.socket.destroy();
      return;
    }
    record(reply.status, true);
    if (typeof reply.body === 'string') send(res, reply.status, 'text/plain', reply.body);
    else send(res, reply.status, 'application/json', JSON.stringify(reply.body));
  }

  private route(method: string, path: string, body: Buffer): { status: number; body: unknown } {
    if (method === 'GET' && path === '/api/version') return { status: 200, body: { version: '2', ray_version: '2.52.0', ray_commit: 'emulator' } };
    const pkg = /^\/api\/packages\/([a-z0-9]+)\/([^/]+)$/.exec(path);
    if (pkg) {
      const uri = `${pkg[1]}://${decodeURIComponent(pkg[2]!)}`;
      if (method === 'GET') return this.packages.has(uri) ? { status: 200, body: { exists: true } } : { status: 404, body: `Package ${uri} does not exist` };
      if (method === 'PUT') {
        this.packages.set(uri, new Uint8Array(body));
        return { status: 200, body: {} };
      }
    }
    if (method === 'POST' && (path === '/api/jobs/' || path === '/api/jobs')) return this.submit(body);
    if (method === 'GET' && (path === '/api/jobs/' || path === '/api/jobs')) return { status: 200, body: [...this.jobs.values()].map((j) => this.details(j)) };
    const job = /^\/api\/jobs\/([^/]+)(\/logs|\/stop)?$/.exec(path);
    if (job) {
      const j = this.jobs.get(decodeURIComponent(job[1]!));
      if (!j) return { status: 404, body: `Job ${job[1]} does not exist` };
      if (method === 'GET' && !job[2]) return { status: 200, body: this.details(j) };
      if (method === 'GET' && job[2] === '/logs') return { status: 200, body: { logs: j.logs } };
      if (method === 'POST' && job[2] === '/stop') return { status: 200, body: { stopped: this.stopJob(j) } };
    }
    return { status: 404, body: 'Not Found' };
  }

  private submit(body: Buffer): { status: number; body: unknown } {
    let req: { entrypoint?: string; submission_id?: string; runtime_env?: EmulatedJob['runtimeEnv']; metadata?: Record<string, string>; entrypoint_resources?: Record<string, number> };
    try {
      req = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, body: 'Bad Request: body is not JSON' };
    }
    if (!req.entrypoint) return { status: 400, body: 'Bad Request: entrypoint is required' };
    const id = req.submission_id ?? `raysubmit_${Math.random().toString(36).slice(2, 18)}`;
    if (this.jobs.has(id)) return { status: 400, body: `Job with submission_id ${id} already exists. Please use a different submission_id.` };
    const wd = req.runtime_env?.working_dir;
    if (wd && !this.packages.has(wd)) return { status: 400, body: `Failed to submit job: package ${wd} not found` };
    const j: EmulatedJob = {
      submissionId: id,
      jobId: String(this.nextJob++).padStart(8, '0'),
      entrypoint: req.entrypoint,
      runtimeEnv: req.runtime_env ?? {},
      ...(req.entrypoint_resources ? { entrypointResources: req.entrypoint_resources } : {}),
      metadata: req.metadata ?? {},
      status: 'PENDING',
      message: 'Job has not started yet.',
      logs: '',
      startTime: Date.now(),
    };
    this.jobs.set(id, j);
    j.startTimer = setTimeout(() => this.run(j), this.faults.slowStartMs ?? 0);
    return { status: 200, body: { job_id: j.jobId, submission_id: id } };
  }

  private run(j: EmulatedJob): void {
    j.startTimer = undefined;
    if (j.status !== 'PENDING') return;
    if (this.faults.failStart) {
      this.finish(j, 'FAILED', 'Job supervisor actor failed to start: runtime env setup failed.');
      return;
    }
    const dir = join(this.root, j.submissionId);
    mkdirSync(dir, { recursive: true });
    const wd = j.runtimeEnv.working_dir;
    if (wd) {
      for (const [name, data] of Object.entries(unzipSync(this.packages.get(wd)!))) {
        if (name.endsWith('/')) continue;
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), data, { mode: 0o755 });
      }
    }
    j.dir = dir;
    const child = spawn('/bin/sh', ['-c', j.entrypoint], {
      cwd: dir,
      env: { ...process.env, ...this.hostEnv(j), ...(j.runtimeEnv.env_vars ?? {}), RAY_JOB_SUBMISSION_ID: j.submissionId },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    j.child = child;
    j.status = 'RUNNING';
    j.message = 'Job is currently running.';
    const onData = (d: Buffer): void => void (j.logs += d.toString('utf8'));
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('close', (code, signal) => {
      j.child = undefined;
      if (j.status === 'STOPPED') return;
      j.exitCode = code ?? (signal ? 128 : 1);
      if (code === 0) this.finish(j, 'SUCCEEDED', 'Job finished successfully.');
      else this.finish(j, 'FAILED', `Job entrypoint command failed with exit code ${j.exitCode}, last available logs (truncated to 20,000 chars):\n${j.logs.slice(-2000)}`);
    });
  }

  private stopJob(j: EmulatedJob): boolean {
    if (j.status !== 'PENDING' && j.status !== 'RUNNING') return false;
    if (j.startTimer) clearTimeout(j.startTimer);
    const child = j.child;
    this.finish(j, 'STOPPED', 'Job was intentionally stopped.');
    if (child?.pid) {
      killGroup(child.pid, 'SIGTERM');
      const kill = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 3000);
      child.once('close', () => clearTimeout(kill));
    }
    return true;
  }

  private finish(j: EmulatedJob, status: EmulatedStatus, message: string): void {
    j.status = status;
    j.message = message;
    j.endTime = Date.now();
  }

  private details(j: EmulatedJob): Record<string, unknown> {
    return {
      type: 'SUBMISSION',
      job_id: j.status === 'PENDING' ? null : j.jobId,
      submission_id: j.submissionId,
      status: j.status,
      entrypoint: j.entrypoint,
      message: j.message,
      error_type: j.status === 'FAILED' ? (j.exitCode === undefined ? 'JOB_SUPERVISOR_ACTOR_START_FAILURE' : 'JOB_ENTRYPOINT_COMMAND_ERROR') : null,
      start_time: j.startTime,
      end_time: j.endTime ?? null,
      metadata: j.metadata,
      runtime_env: j.runtimeEnv,
      driver_exit_code: j.exitCode ?? null,
    };
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

function send(res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(text);
}
