import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { parseEnvPairs } from '../../core/env-pairs.js';
import type { HotspotSummary } from '../../core/hotspots.js';
import { metricLine, parseProfileMetrics } from '../../core/profile-metrics.js';
import { checkProfileWindow, profileEnv, profileRunName, tracePatterns } from '../../core/profile-plan.js';
import { shQuote } from '../../core/shell-quote.js';
import { fetchArtifacts } from '../../adapters/ray/gcs-artifacts.js';
import { iterationJobRecords } from '../../adapters/ray/ray-job-records.js';
import { writeProfileMeta } from '../../adapters/profile/profile-store.js';
import type { CommandContext } from '../command-spec.js';
import { buildForwardEnv, parseUserEnv } from '../dev-tpu/session.js';
import { planProfileOutput } from '../dev-tpu/profile-output.js';
import { profileOptions, summarizeTraces } from '../dev-tpu/run-profile.js';
import { planRaySession, withTokenRedaction } from './ray-session.js';
import { runRayJob } from './run-job.js';
import { jobReport, withRayErrors } from './ray-test.js';

/**
 * `gdnctl ray-profile`: dev-tpu-profile's profiled run as a Ray job. The job leaves its traces in
 * <rayArtifactUri>/<run-name>/ (rayArtifactUpload copies them there); gdnctl copies them into the same ledger
 * folder dev-tpu-profile uses and summarises the hotspots.
 */
export async function runRayProfile(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  const opts = profileOptions(v, ctx.env, v.rayTpu !== 'auto' ? v.rayTpu : undefined);
  checkProfileWindow(opts);
  if (!v.rayArtifactUri) throw new UsageError('ray-profile needs --ray-artifact-uri gs://BUCKET/PREFIX (rayArtifactUri), where the job leaves its traces');
  const extra = { ...parseEnvPairs(v.profileEnv, '--profile-env'), ...parseUserEnv(ctx) };
  const plan = planRaySession(ctx);
  // A resumed attempt of this iteration keeps the run name of a job it may re-attach to.
  const iterDir = ctx.env.GDNCTL_ITER_DIR;
  const prior = iterDir ? iterationJobRecords(iterDir, 'ray-profile.json').find((r) => r.record.state !== 'ended' && r.record.runName) : undefined;
  const runName = prior?.record.runName ?? profileRunName(opts, Date.now());
  const artifactUri = `${v.rayArtifactUri.replace(/\/+$/, '')}/${runName}`;
  const forwarded = buildForwardEnv(ctx, {}, extra);
  const base = { env: forwarded.env, redact: withTokenRedaction(forwarded.redact, plan.token) };
  // The job's own folder for the traces, inside its working_dir; the upload step copies it to the artifact URI.
  const env = { ...profileEnv(opts, runName, `.gdnctl-profile/${runName}`), ...base.env, GDNCTL_ARTIFACT_URI: artifactUri };
  const command = [
    `export GDNCTL_PROFILE_DIR="$PWD"/${shQuote(`.gdnctl-profile/${runName}`)}`,
    'mkdir -p "$GDNCTL_PROFILE_DIR"',
    `${v.profileCommand}${v.profileDryRun ? ' --dry_run true' : ''}`,
    'gdnctl_rc=$?',
    `${v.rayArtifactUpload} || { echo "gdnctl: copying the traces to $GDNCTL_ARTIFACT_URI failed" >&2; [ $gdnctl_rc -eq 0 ] && gdnctl_rc=1; }`,
    'exit $gdnctl_rc',
  ].join('\n');
  const output = planProfileOutput(ctx, runName);
  const outDir = output.placement.localDir;
  return withRayErrors(ctx, base.redact, async () => {
    const r = await runRayJob(ctx, { kind: 'profile', command, env, redact: base.redact, runName }, plan);
    if (r.outcome.kind === 'no-wait' || r.outcome.kind === 'interrupted') return r.code;
    let code = r.code;
    let traces: string[] = [];
    let hotspots: HotspotSummary | undefined;
    if (r.outcome.kind === 'ended') {
      await output.hideFromGit();
      rmSync(outDir, { recursive: true, force: true });
      traces = await fetchArtifacts({
        uri: artifactUri,
        patterns: tracePatterns(v.includeXplane),
        destDir: outDir,
        ...(ctx.env.STORAGE_EMULATOR_HOST ? { apiEndpoint: ctx.env.STORAGE_EMULATOR_HOST } : {}),
        ...(v.project ? { projectId: v.project } : {}),
      });
      writeProfileMeta(outDir, { runName, workerDir: artifactUri, createdAt: new Date().toISOString() });
      output.pruneLocal();
      ctx.log.info(`copied ${traces.length} trace file(s) from ${artifactUri} into ${outDir}`);
      const summary = await summarizeTraces(ctx, traces, outDir, code, `under ${artifactUri}; make the profile command write its traces to $GDNCTL_PROFILE_DIR`);
      code = summary.code;
      hotspots = summary.hotspots;
    }
    const metrics = parseProfileMetrics(r.outcome.logs);
    if (metrics.step_time_ms === undefined && hotspots?.stepTimeMs !== undefined) metrics.step_time_ms = hotspots.stepTimeMs;
    const line = metricLine(metrics);
    if (v.json) {
      if (line) ctx.stderr.write(line + '\n');
      ctx.stdout.write(JSON.stringify({ ...jobReport({ ...r, code }, plan.target.name), runName, dir: outDir, artifactUri, traces, metrics, hotspots: hotspots ?? null }, null, 2) + '\n');
    } else if (line) ctx.stdout.write(line + '\n');
    return code;
  });
}
