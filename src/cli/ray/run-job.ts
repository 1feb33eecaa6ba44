import { randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { ResourceError } from '../../errors.js';
import { repoFiles } from '../../adapters/remote/local-files.js';
import { excludeFromGit } from '../../adapters/measure/git-exclude.js';
import { buildRayPackage, type RayPackage } from '../../adapters/ray/ray-package.js';
import { iterationJobRecords, writeJobRecord, type RayJobRecord } from '../../adapters/ray/ray-job-records.js';
import { isTerminal } from '../../ports/ray.js';
import { shQuote } from '../../core/shell-quote.js';
import type { Redactor } from '../../redact.js';
import { ExitCode } from '../exit-codes.js';
import type { CommandContext } from '../command-spec.js';
import { followJob, type FollowOutcome } from './follow-job.js';
import { openRaySession, type RaySession, type RayTarget } from './ray-session.js';
import type { RayToken } from '../../adapters/ray/ray-token.js';

export interface RayJobRequest {
  kind: 'test' | 'profile';
  command: string;
  env: Record<string, string>;
  redact: Redactor;
  runName?: string;
}

export interface RayJobResult {
  code: number;
  submissionId: string;
  outcome: FollowOutcome | { kind: 'no-wait' };
  package: { uri: string; files: number; uploaded: boolean };
  rayVersion: string;
  reattached: boolean;
}

/**
 * Package the working tree, submit (or re-attach to) one job and follow it; the session (and its ssh tunnel)
 * is closed on every way out, and a job this call started is stopped when the call ends before the job does.
 */
export async function runRayJob(ctx: CommandContext, req: RayJobRequest, plan: { target: RayTarget; token: RayToken }): Promise<RayJobResult> {
  const v = ctx.config.values;
  const out = v.json ? ctx.stderr : ctx.stdout;
  const session = await openRaySession(ctx, plan, req.redact);
  let live: string | undefined;
  try {
    // The ledger (job records, profiles) is gdnctl's, never part of the tree a job gets, nor of its hash.
    if (!ctx.env.GDNCTL_ITER_DIR) await excludeFromGit(ctx.config.repoRoot, resolve(ctx.config.repoRoot, v.logDir));
    const pkg = buildRayPackage(ctx.config.repoRoot, await repoFiles(ctx.config.repoRoot));
    const uploaded = await ensurePackage(session, pkg);
    ctx.log.info(`package ${pkg.uri}: ${pkg.files} files${uploaded ? ', uploaded' : ', already on the cluster'}`);
    const entrypoint = `bash -lc ${shQuote(req.command)}`;
    const iterDir = ctx.env.GDNCTL_ITER_DIR ? resolve(ctx.env.GDNCTL_ITER_DIR) : undefined;
    const recordName = `ray-${req.kind}.json`;

    const earlier = iterDir ? await earlierJob(session, iterDir, recordName, pkg.uri, entrypoint, ctx.log) : undefined;
    const submissionId = earlier?.submissionId ?? newSubmissionId(req.kind, ctx.env.GDNCTL_ITERATION);
    const file = iterDir ? join(iterDir, recordName) : join(resolve(ctx.config.repoRoot, v.logDir), 'ray-jobs', `${submissionId}.json`);
    const record: RayJobRecord = { submissionId, kind: req.kind, cluster: session.target.name, packageUri: pkg.uri, entrypoint, state: 'submitting', at: new Date().toISOString(), ...(req.runName ? { runName: req.runName } : {}) };
    const reattached = earlier?.attach === true;
    if (reattached) {
      ctx.log.info(`re-attaching to ${submissionId}, submitted by an earlier attempt of this iteration`);
      await writeJobRecord(file, { ...record, state: 'submitted' });
    } else {
      // Recorded before the request leaves: a crash between the two still names the job.
      await writeJobRecord(file, record);
      live = submissionId;
      const r = await session.jobs.submit({
        submissionId,
        entrypoint,
        workingDir: pkg.uri,
        envVars: req.env,
        entrypointResources: { ...v.rayEntrypointResources, ...(v.rayTpu !== 'auto' ? { [`TPU-${v.rayTpu}-head`]: 1 } : {}) },
        metadata: jobMetadata(ctx, req.kind),
      });
      if (r.kind === 'duplicate') {
        live = undefined;
        throw new ResourceError(`ray cluster ${session.target.name} refused submission ${submissionId}: ${r.message}`);
      }
      await writeJobRecord(file, { ...record, state: 'submitted' });
      ctx.log.info(`submitted ${submissionId} to ${session.target.name}`);
    }
    live = submissionId;
    const base = { submissionId, package: { uri: pkg.uri, files: pkg.files, uploaded }, rayVersion: session.version.rayVersion, reattached };
    if (!v.rayWait) {
      live = undefined;
      ctx.stdout.write(`submission_id=${submissionId}\n`);
      return { ...base, code: ExitCode.ok, outcome: { kind: 'no-wait' } };
    }
    const orphaned = orphanCheck(iterDir, ctx.env);
    const outcome = await followJob(session.jobs, submissionId, {
      pollMaxMs: v.rayPollSeconds * 1000,
      ...(v.rayTimeoutSeconds !== undefined ? { timeoutMs: v.rayTimeoutSeconds * 1000 } : {}),
      signal: ctx.interrupt.signal,
      onLine: (line) => out.write(`[ray] ${req.redact(line)}\n`),
      stopOnInterrupt: () => !orphaned(),
    });
    live = undefined;
    if (outcome.kind === 'interrupted' && !outcome.stopped && orphaned()) {
      // The record stays `submitted`: the resumed loop's post-check re-attaches to the job.
      ctx.log.warn(`ray job ${submissionId}: the loop that ran this post-check is gone; left running for its resume to re-attach`);
      return { ...base, code: ExitCode.interrupted, outcome };
    }
    const status = outcome.kind === 'ended' ? outcome.info.status : outcome.kind;
    await writeJobRecord(file, { ...record, state: 'ended', status });
    // The attempt's own record ends too, so a later retry in this iteration submits afresh instead of re-attaching.
    if (earlier && earlier.file !== file) await writeJobRecord(earlier.file, { ...earlier.record, state: 'ended', status });
    return { ...base, code: outcomeCode(ctx, submissionId, outcome), outcome };
  } finally {
    // Any other way out (an error, an interrupt while submitting) must not leave our job running.
    if (live) await session.jobs.stop(live).catch(() => false);
    await session.close();
  }
}

export async function ensurePackage(session: RaySession, pkg: RayPackage): Promise<boolean> {
  if (await session.jobs.packageExists(pkg.uri)) return false;
  await session.jobs.uploadPackage(pkg.uri, pkg.zip);
  return true;
}

/**
 * A job an interrupted attempt of this iteration left: the same package and entrypoint is re-attached to
 * (or submitted under its recorded id when the cluster never got it); a different one still running is stopped.
 */
export async function earlierJob(session: RaySession, iterDir: string, name: string, uri: string, entrypoint: string, log: Pick<CommandContext['log'], 'warn'>): Promise<{ submissionId: string; attach: boolean; file: string; record: RayJobRecord } | undefined> {
  const own = join(iterDir, name);
  const records = iterationJobRecords(iterDir, name);
  // This attempt ran (or re-attached) once already: a retry, which must run again.
  const retry = records.some((r) => r.file === own);
  for (const { file, record } of records) {
    if (record.cluster !== session.target.name) continue;
    const same = record.packageUri === uri && record.entrypoint === entrypoint;
    if (record.state === 'ended') {
      // An interrupted attempt's job of the same tree that succeeded (it ended while the loop was dead, and its
      // follower saw it) is this attempt's result, unless this attempt is a retry.
      if (!same || record.status !== 'SUCCEEDED' || retry) continue;
      const info = await session.jobs.status(record.submissionId);
      if (info?.status === 'SUCCEEDED') return { submissionId: record.submissionId, attach: true, file, record };
      continue;
    }
    const info = await session.jobs.status(record.submissionId);
    if (same) {
      return { submissionId: record.submissionId, attach: info !== undefined, file, record };
    }
    if (info && !isTerminal(info.status)) {
      log.warn(`stopping ${record.submissionId}: an earlier attempt's job for a different tree`);
      await session.jobs.stop(record.submissionId);
    }
    await writeJobRecord(file, { ...record, state: 'ended', status: info?.status ?? 'unknown' });
  }
  return undefined;
}

export function newSubmissionId(kind: string, iteration: string | undefined): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const iter = iteration && /^\d+$/.test(iteration) ? `iter${iteration.padStart(3, '0')}-` : '';
  return `gdnctl-${kind}-${iter}${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Inside a loop: has the loop that started this post-check died? Then a signal is the resume ending the dead
 * run's children, and the job is left for the resumed post-check to re-attach to. The loop is the pid in its
 * children's GDNCTL_RUN_MARKER (`gdnctl-<pid>-<random>`); `bash -lc` may stand between it and us.
 */
function orphanCheck(iterDir: string | undefined, env: NodeJS.ProcessEnv): () => boolean {
  const pid = Number(/^gdnctl-(\d+)-/.exec(env.GDNCTL_RUN_MARKER ?? '')?.[1]);
  return () => {
    if (iterDir === undefined || !Number.isInteger(pid) || pid <= 1) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };
}

function jobMetadata(ctx: CommandContext, kind: string): Record<string, string> {
  const e = ctx.env;
  return {
    gdnctl_kind: kind,
    gdnctl_repo: basename(ctx.config.repoRoot),
    ...(e.GDNCTL_RUN_DIR ? { gdnctl_run: basename(e.GDNCTL_RUN_DIR) } : {}),
    ...(e.GDNCTL_ITERATION ? { gdnctl_iteration: e.GDNCTL_ITERATION } : {}),
    // --parallel: which round and candidate (src/core/parallel/candidate.ts sets them for its post-checks).
    ...(e.GDNCTL_ROUND ? { gdnctl_round: e.GDNCTL_ROUND } : {}),
    ...(e.GDNCTL_CANDIDATE ? { gdnctl_candidate: e.GDNCTL_CANDIDATE } : {}),
    ...(e.GDNCTL_COMMIT ? { gdnctl_commit: e.GDNCTL_COMMIT } : {}),
  };
}

/** The dev-tpu commands' codes: 0 passed, 1 failed (or stopped, or timed out), 4 could not start, 130 interrupted. */
export function outcomeCode(ctx: CommandContext, id: string, o: FollowOutcome): number {
  switch (o.kind) {
    case 'ended': {
      const { status, driverExitCode, message } = o.info;
      if (status === 'SUCCEEDED') return ExitCode.ok;
      if (status === 'FAILED' && driverExitCode === undefined) {
        ctx.stderr.write(`gdnctl: ray job ${id} could not start: ${firstLine(message)}\n`);
        return ExitCode.resourceUnavailable;
      }
      ctx.log.error(`ray job ${id}: ${status}${driverExitCode !== undefined ? ` (exit ${driverExitCode})` : ''}`);
      return ExitCode.failed;
    }
    case 'vanished':
      ctx.stderr.write(`gdnctl: ray job ${id} is no longer known to the cluster\n`);
      return ExitCode.resourceUnavailable;
    case 'timeout':
      ctx.log.error(`ray job ${id}: timed out after ${ctx.config.values.rayTimeoutSeconds} s; ${o.stopped ? 'stopped' : 'it had ended already'}`);
      return ExitCode.failed;
    case 'interrupted':
      ctx.log.warn(`ray job ${id}: interrupted; ${o.stopped ? 'job stopped' : 'job not stopped'}`);
      return ExitCode.interrupted;
    default: {
      const never: never = o;
      return never;
    }
  }
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0] ?? '';
}
