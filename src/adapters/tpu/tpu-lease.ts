import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { TpuLease, TpuNodeRef } from '../../ports/tpu.js';
import { ownerLiveness as processLiveness, type OwnerLiveness } from '../process/liveness.js';

/**
 * Lease files: `<logDir>/leases/<project>-<zone>-<node>.json` (docs/architecture.md "The run directory"). A lease exists
 * from before createNode is sent until the delete has completed, so a run killed at any point leaves a record
 * that `dev-tpu-status`, `dev-tpu-release` and the next run can act on.
 */
export interface LeaseRecord extends TpuLease {
  schemaVersion: 1;
  /** creating: request about to be / being sent; held: READY and owned; releasing: delete sent. */
  phase: 'creating' | 'held' | 'releasing';
  /** The gdnctl-owner label value. */
  owner: string;
  acceleratorType?: string;
  queued?: boolean;
  deleteOperation?: string;
  /** --keep-dev-tpu: left on purpose at exit. */
  kept?: boolean;
  updatedAt: string;
}

export function leaseDir(logDir: string): string {
  return join(logDir, 'leases');
}

export function leaseFileFor(logDir: string, ref: Pick<TpuNodeRef, 'project' | 'zone' | 'name'>): string {
  // Domain-scoped project ids ("example.com:proj") carry characters that do not belong in file names.
  const project = ref.project.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(leaseDir(logDir), `${project}-${ref.zone}-${ref.name}.json`);
}

/** Atomic write: temp file, fsync, rename — a reader never sees half a lease, even after a power cut. */
export function writeLease(record: LeaseRecord): LeaseRecord {
  // Private like the run directory: a lease names the project, zone and owner of a held TPU.
  mkdirSync(join(record.file, '..'), { recursive: true, mode: 0o700 });
  const next = { ...record, updatedAt: new Date().toISOString() };
  const tmp = `${record.file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(next, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, record.file);
  return next;
}

export function removeLease(file: string): void {
  rmSync(file, { force: true });
}

export function readLease(file: string): LeaseRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as LeaseRecord;
    return parsed && typeof parsed.node === 'string' ? { ...parsed, file } : undefined;
  } catch {
    return undefined;
  }
}

export function listLeases(logDir: string): LeaseRecord[] {
  let names: string[];
  try {
    names = readdirSync(leaseDir(logDir));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => readLease(join(leaseDir(logDir), n)))
    .filter((l): l is LeaseRecord => l !== undefined);
}

export type { OwnerLiveness };

/** Is the lease's owner process still running? A lease from another host is never taken over. */
export function ownerLiveness(lease: Pick<TpuLease, 'ownerPid' | 'ownerHost'>): OwnerLiveness {
  return processLiveness({ pid: lease.ownerPid, host: lease.ownerHost });
}

export function newLease(logDir: string, ref: TpuNodeRef, extra: { owner: string; acceleratorType?: string; queued?: boolean }): LeaseRecord {
  const now = new Date().toISOString();
  return {
    schemaVersion: 1,
    project: ref.project,
    zone: ref.zone,
    cluster: ref.cluster,
    node: ref.name,
    ownerPid: process.pid,
    ownerHost: hostname(),
    createdAt: now,
    updatedAt: now,
    file: leaseFileFor(logDir, ref),
    phase: 'creating',
    ...extra,
  };
}

export function refOfLease(lease: LeaseRecord): TpuNodeRef {
  return { project: lease.project, zone: lease.zone, cluster: lease.cluster, name: lease.node };
}
