/**
 * `--bench-on ray`: the RayBench port over the Jobs API. One batch = one job whose working dir holds both trees
 * (the champion checked out with git, the candidate as the working tree) and the runner of ray-bench-runner.ts:
 *
 *   package (champion/ + candidate/ + runner + plan) ─▶ upload unless the cluster has it
 *     ─▶ an earlier attempt's job of the same package? ─yes─▶ re-attach (or submit under its recorded id)
 *     ─▶ record <dir>/ray-bench-<batch>.json (state submitting) ─▶ POST /api/jobs/ ─▶ follow ─▶ samples
 *
 * A finalists' ranking (`runSides`, --parallel) is one job of the same runner over N trees `f1/ … fN/`.
 *
 * Ctrl-C / SIGTERM / SIGHUP (the measurement's signal) and --ray-timeout-seconds stop the job; so does any other
 * way out of a job this call started.
 */
import { basename, join } from 'node:path';
import { ResourceError } from '../../errors.js';
import type { MetricSpec } from '../../core/metric.js';
import type { RayBench, RayBenchBatchInput, RayBenchBatchResult, RayBenchRun, RayBenchSample, RayBenchSidesInput, RayFinalistSide } from '../../ports/ray.js';
import { repoFiles } from '../../adapters/remote/local-files.js';
import { withDetachedWorktree } from '../../adapters/measure/worktree.js';
import { buildRayPackageOf, type RayPackage } from '../../adapters/ray/ray-package.js';
import { writeJobRecord, type RayJobRecord } from '../../adapters/ray/ray-job-records.js';
import { readBenchLog, RUNNER_ENTRYPOINT, runnerFiles, runnerTag } from '../../adapters/ray/ray-bench-runner.js';
import { rayHostSnapshot } from '../../adapters/ray/ray-env-snapshot.js';
import type { Redactor } from '../../redact.js';
import { followJob, type FollowOutcome } from './follow-job.js';
import { earlierJob, ensurePackage, newSubmissionId } from './run-job.js';
import { openRaySession, planRaySession, withTokenRedaction, type RayContext } from './ray-session.js';

export interface RayBenchDeps {
  ctx: Omit<RayContext, 'interrupt'>;
  command: string;
  metric: MetricSpec;
  timeoutMs: number;
  /** Run once in each tree of a job before its runs (devTpuSetup, e.g. `uv sync`). */
  setup?: string | undefined;
  /** runtime_env.env_vars of each job (forwardEnv's values). */
  env: Record<string, string>;
  redact: Redactor;
  /**
   * More metadata for each job, by the iteration it measures (undefined for a baseline or a finalists' job):
   * under --parallel the round and candidate, so the cluster's job list tells K candidates' jobs apart.
   */
  metadata?: ((iteration: number | undefined) => Record<string, string>) | undefined;
}

export function createRayBench(d: RayBenchDeps): RayBench {
  const plan = planRaySession(d.ctx);
  const redact = withTokenRedaction(d.redact, plan.token);
  const v = d.ctx.config.values;
  const timeoutS = d.timeoutMs / 1000;
  const label = `Ray cluster ${plan.target.name}`;

  async function packageFor(input: RayBenchBatchInput): Promise<RayPackage> {
    const root = d.ctx.config.repoRoot;
    const tree = input.treeDir ?? root;
    const candidate = { root: tree, files: await repoFiles(tree), prefix: 'candidate/' };
    const texts = (trees: string[]) => runnerFiles({ runs: input.runs, bench: d.command, setup: d.setup, timeoutS, trees });
    if (!input.championSha) return buildRayPackageOf([candidate], texts(['candidate']));
    return withDetachedWorktree(root, input.championSha, async (dir) => buildRayPackageOf([{ root: dir, files: await repoFiles(dir), prefix: 'champion/' }, candidate], texts(['champion', 'candidate'])));
  }

  /** Interrupted before the job was followed (packaging, upload, submit): a failed sample, as a local run's. */
  async function guarded<S extends string>(signal: AbortSignal, fn: () => Promise<RayBenchBatchResult<S>>): Promise<RayBenchBatchResult<S>> {
    try {
      return await fn();
    } catch (e) {
      if (signal.aborted) return { submissionId: '', reattached: false, samples: [], failure: { reason: 'benchmark interrupted', tail: '' } };
      throw e;
    }
  }

  async function runBatch(input: RayBenchBatchInput): Promise<RayBenchBatchResult> {
    const signal = input.signal ?? new AbortController().signal;
    const iteration = /^iter-(\d+)$/.exec(basename(input.recordDir))?.[1];
    const it = iteration ? Number(iteration) : undefined;
    return guarded(signal, () => runJob<RayBenchRun['side']>({
      runs: input.runs, recordDir: input.recordDir, name: `ray-bench-${input.batch}.json`, head: input.head, iteration: it, signal,
      pack: () => packageFor(input),
      metadata: {
        gdnctl_kind: 'bench', gdnctl_repo: basename(d.ctx.config.repoRoot), gdnctl_batch: String(input.batch), gdnctl_commit: input.head,
        ...(input.championSha ? { gdnctl_champion: input.championSha } : {}), ...(it !== undefined ? { gdnctl_iteration: String(it) } : {}),
        ...d.metadata?.(it),
      },
    }));
  }

  async function runSides(input: RayBenchSidesInput): Promise<RayBenchBatchResult<RayFinalistSide>> {
    const signal = input.signal ?? new AbortController().signal;
    const sides = input.trees.map((_, i): RayFinalistSide => `f${i + 1}`);
    const texts = runnerFiles({ runs: input.runs, bench: d.command, setup: d.setup, timeoutS, trees: sides });
    return guarded(signal, () => runJob<RayFinalistSide>({
      runs: input.runs, recordDir: input.recordDir, name: `ray-bench-${input.name}.json`, head: input.trees[0]?.head ?? '', iteration: undefined, signal,
      pack: async () => buildRayPackageOf(await Promise.all(input.trees.map(async (t, i) => ({ root: t.dir, files: await repoFiles(t.dir), prefix: `${sides[i]}/` }))), texts),
      metadata: {
        gdnctl_kind: 'bench', gdnctl_repo: basename(d.ctx.config.repoRoot), gdnctl_batch: input.name,
        ...Object.fromEntries(input.trees.map((t, i) => [`gdnctl_${sides[i]}`, t.head])),
        ...d.metadata?.(undefined), ...input.metadata,
      },
    }));
  }

  interface Job<S extends string> {
    runs: Array<RayBenchRun<S>>;
    recordDir: string;
    name: string;
    /** The commit the host snapshot is said of. */
    head: string;
    iteration: number | undefined;
    pack: () => Promise<RayPackage>;
    metadata: Record<string, string>;
    signal: AbortSignal;
  }

  async function runJob<S extends string>(job: Job<S>): Promise<RayBenchBatchResult<S>> {
    const { signal } = job;
    const session = await openRaySession({ ...d.ctx, interrupt: { signal } }, plan, redact);
    let live: string | undefined;
    try {
      const pkg = await job.pack();
      const uploaded = await ensurePackage(session, pkg);
      d.ctx.log.info(`bench package ${pkg.uri}: ${pkg.files} files${uploaded ? ', uploaded' : ', already on the cluster'}`);
      const earlier = await earlierJob(session, job.recordDir, job.name, pkg.uri, RUNNER_ENTRYPOINT, d.ctx.log);
      const submissionId = earlier?.submissionId ?? newSubmissionId('bench', job.iteration !== undefined ? String(job.iteration) : undefined);
      const file = join(job.recordDir, job.name);
      const record: RayJobRecord = { submissionId, kind: 'bench', cluster: session.target.name, packageUri: pkg.uri, entrypoint: RUNNER_ENTRYPOINT, state: 'submitting', at: new Date().toISOString() };
      const reattached = earlier?.attach === true;
      live = submissionId;
      if (reattached) {
        d.ctx.log.info(`re-attaching to ${submissionId}, the bench job of an earlier attempt`);
        await writeJobRecord(file, { ...record, state: 'submitted' });
      } else {
        // Recorded before the request leaves: a crash between the two still names the job.
        await writeJobRecord(file, record);
        const r = await session.jobs.submit({
          submissionId,
          entrypoint: RUNNER_ENTRYPOINT,
          workingDir: pkg.uri,
          envVars: { ...d.env, GDNCTL_RAY_TAG: runnerTag(submissionId) },
          entrypointResources: { ...v.rayEntrypointResources, ...(v.rayTpu !== 'auto' ? { [`TPU-${v.rayTpu}-head`]: 1 } : {}) },
          metadata: job.metadata,
        });
        if (r.kind === 'duplicate') {
          live = undefined;
          throw new ResourceError(`ray cluster ${session.target.name} refused bench submission ${submissionId}: ${r.message}`);
        }
        await writeJobRecord(file, { ...record, state: 'submitted' });
        d.ctx.log.info(`submitted bench job ${submissionId} to ${session.target.name} (${job.runs.length} runs)`);
      }
      const outcome = await followJob(session.jobs, submissionId, {
        pollMaxMs: v.rayPollSeconds * 1000,
        ...(v.rayTimeoutSeconds !== undefined ? { timeoutMs: v.rayTimeoutSeconds * 1000 } : {}),
        signal,
      });
      live = undefined;
      const status = outcome.kind === 'ended' ? outcome.info.status : outcome.kind;
      await writeJobRecord(file, { ...record, state: 'ended', status });
      if (earlier && earlier.file !== file) await writeJobRecord(earlier.file, { ...earlier.record, state: 'ended', status });
      const got = readBenchLog(outcome.logs, runnerTag(submissionId), { metric: d.metric, setup: d.setup, timeoutS });
      // Only the sides this job planned: a line naming another side is not a sample of it.
      const planned = (x: RayBenchSample<string>): x is RayBenchSample<S> => job.runs.some((run) => run.side === x.run.side);
      const samples = got.samples.filter(planned).map((s) => (s.ok ? s : { ...s, tail: redact(s.tail) }));
      const missing = job.runs.some((run) => !samples.some((s) => s.run.side === run.side && s.run.index === run.index && s.run.warmup === run.warmup));
      const failure = got.setupFailure ? { reason: got.setupFailure.reason, tail: redact(got.setupFailure.tail) } : missing ? jobFailure(submissionId, outcome, redact) : undefined;
      const env = got.env ? rayHostSnapshot(got.env, { cluster: session.target.name, rayTpu: v.rayTpu, head: job.head, submissionId }) : undefined;
      return { submissionId, reattached, samples, ...(failure ? { failure } : {}), ...(env ? { env: { ...env, text: redact(env.text) } } : {}) };
    } finally {
      if (live) await session.jobs.stop(live).catch(() => false);
      await session.close();
    }
  }

  return { label: () => label, runBatch, runSides };
}

function jobFailure(id: string, o: FollowOutcome, redact: Redactor): { reason: string; tail: string } {
  const tail = redact(o.logs.split('\n').slice(-30).join('\n'));
  switch (o.kind) {
    case 'ended': {
      const { status, driverExitCode, message } = o.info;
      if (status === 'FAILED' && driverExitCode === undefined) return { reason: `ray job ${id} could not start: ${redact((message ?? '').split('\n')[0] ?? '')}`, tail };
      return { reason: `ray job ${id} ended ${status}${driverExitCode !== undefined ? ` (exit ${driverExitCode})` : ''} before all its runs reported`, tail };
    }
    case 'vanished':
      return { reason: `ray job ${id} is no longer known to the cluster`, tail };
    case 'timeout':
      return { reason: `ray job ${id} ran past --ray-timeout-seconds; ${o.stopped ? 'it was stopped' : 'it had ended already'}`, tail };
    case 'interrupted':
      return { reason: 'benchmark interrupted', tail };
    default: {
      const never: never = o;
      return never;
    }
  }
}
