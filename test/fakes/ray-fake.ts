import { unzipSync } from 'fflate';
import type { RayJobInfo, RayJobSpec, RayJobStatus, RayJobs, RaySubmitOutcome, RayVersion } from '../../src/ports/ray.js';

interface FakeJob {
  spec: RayJobSpec;
  status: RayJobStatus;
  logs: string;
  exitCode?: number;
  /** Status reads left before the job leaves PENDING / RUNNING. */
  polls: number;
  script: string[];
}

/**
 * An in-process RayJobs. Entrypoints are a tiny language, one command per `;` or line: `echo WORDS` (with
 * `$NAME` from the job's env vars), `cat FILE` (from the uploaded working_dir zip), `sleep S` (a job that runs
 * until stopped while S > 0) and `exit N`. Each status read advances a job by one step, so polling works
 * without timers. Passes test/contract/ray-jobs-contract.ts with the HTTP adapter against the emulator.
 */
export class FakeRayJobs implements RayJobs {
  readonly packages = new Map<string, Uint8Array>();
  readonly jobs = new Map<string, FakeJob>();
  readonly calls: string[] = [];

  async version(): Promise<RayVersion> {
    this.calls.push('version');
    return { version: '2', rayVersion: '2.52.0' };
  }

  async packageExists(uri: string): Promise<boolean> {
    return this.packages.has(uri);
  }

  async uploadPackage(uri: string, zip: Uint8Array): Promise<void> {
    this.calls.push(`upload ${uri}`);
    this.packages.set(uri, zip);
  }

  async submit(spec: RayJobSpec): Promise<RaySubmitOutcome> {
    this.calls.push(`submit ${spec.submissionId}`);
    if (this.jobs.has(spec.submissionId)) return { kind: 'duplicate', message: `Job with submission_id ${spec.submissionId} already exists.` };
    const script = spec.entrypoint.split(/;|\n/).map((s) => s.trim()).filter(Boolean);
    this.jobs.set(spec.submissionId, { spec, status: 'PENDING', logs: '', polls: 1, script });
    return { kind: 'submitted' };
  }

  async status(id: string): Promise<RayJobInfo | undefined> {
    const j = this.jobs.get(id);
    if (!j) return undefined;
    this.step(j);
    return {
      submissionId: id,
      status: j.status,
      ...(j.exitCode !== undefined ? { driverExitCode: j.exitCode } : {}),
      ...(j.spec.metadata ? { metadata: j.spec.metadata } : {}),
    };
  }

  async logs(id: string): Promise<string> {
    return this.jobs.get(id)?.logs ?? '';
  }

  async stop(id: string): Promise<boolean> {
    const j = this.jobs.get(id);
    if (!j || (j.status !== 'PENDING' && j.status !== 'RUNNING')) return false;
    j.status = 'STOPPED';
    return true;
  }

  private step(j: FakeJob): void {
    if (j.status === 'PENDING') {
      if (--j.polls <= 0) j.status = 'RUNNING';
      return;
    }
    if (j.status !== 'RUNNING') return;
    while (j.script.length > 0) {
      const cmd = j.script.shift()!;
      const [word, ...rest] = cmd.split(/\s+/);
      const arg = rest.join(' ').replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, n: string) => j.spec.envVars?.[n] ?? '');
      if (word === 'echo') j.logs += `${arg}\n`;
      else if (word === 'cat') j.logs += this.readPackaged(j, arg);
      else if (word === 'sleep' && Number(arg) > 0) {
        j.script.unshift(cmd);
        return;
      } else if (word === 'exit') {
        j.exitCode = Number(arg);
        j.status = j.exitCode === 0 ? 'SUCCEEDED' : 'FAILED';
        return;
      }
    }
    j.exitCode = 0;
    j.status = 'SUCCEEDED';
  }

  private readPackaged(j: FakeJob, file: string): string {
    const zip = j.spec.workingDir ? this.packages.get(j.spec.workingDir) : undefined;
    const data = zip ? unzipSync(zip)[file] : undefined;
    return data ? Buffer.from(data).toString('utf8') : `cat: ${file}: No such file or directory\n`;
  }
}
