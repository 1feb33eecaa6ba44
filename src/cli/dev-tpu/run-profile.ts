import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { ExitCode } from '../exit-codes.js';
import { ResourceError } from '../../errors.js';
import { InterruptedError } from '../interrupt.js';
import type { Config } from '../../config/schema.js';
import type { CommandContext } from '../command-spec.js';
import { parseEnvPairs } from '../../core/env-pairs.js';
import { hotspotsMarkdown, type HotspotSummary } from '../../core/hotspots.js';
import { pickXPlane, summarizeProfile } from '../../adapters/profile/profile-summary.js';
import { metricLine, parseProfileMetrics, type ProfileMetrics } from '../../core/profile-metrics.js';
import { checkProfileWindow, marinPrefixFor, profileEnv, profileRunName, tracePatterns, type ProfileOptions } from '../../core/profile-plan.js';
import { workersExitCode } from '../../core/worker-outcome.js';
import { shPath } from '../../core/shell-quote.js';
import { writeProfileMeta } from '../../adapters/profile/profile-store.js';
import { planProfileOutput } from './profile-output.js';
import { buildForwardEnv, openSession, parseUserEnv, type Session } from './session.js';
import { syncAndRun, workerReports } from './run-tests.js';
import type { TpuProvider } from '../../ports/tpu.js';

/** Perfetto JSON first (the anchor's source of truth), then the largest per-host trace. */
export function pickTrace(files: string[]): string | undefined {
  const perfetto = files.filter((f) => basename(f) === 'perfetto_trace.json.gz');
  const pool = perfetto.length > 0 ? perfetto : files.filter((f) => f.endsWith('.trace.json.gz'));
  return pool.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

/** The profile's options from the config (the same for dev-tpu-profile and ray-profile); `tpuVariant` as each names it. */
export function profileOptions(v: Config, env: NodeJS.ProcessEnv, tpuVariant: string | undefined): ProfileOptions {
  return {
    size: v.size,
    numSteps: v.numSteps,
    profileStartStep: v.profileStartStep,
    profileNumSteps: v.profileNumSteps,
    batchSize: v.batchSize,
    runNamePrefix: v.runNamePrefix,
    includeXplane: v.includeXplane,
    ...(env.GDNCTL_ITERATION ? { iteration: env.GDNCTL_ITERATION } : {}),
    ...(tpuVariant ? { tpuVariant } : {}),
    model: {
      chunkSize: v.chunkSize,
      segmentSize: v.segmentSize,
      gdnLayersPerBlock: v.gdnLayersPerBlock,
      gdnBlockSize: v.gdnBlockSize,
      allTransformer: v.allTransformer,
      ceImplementation: v.ceImplementation,
      ceBwdMode: v.ceBwdMode,
      wandbMode: v.wandbMode,
      marinPrefix: v.marinPrefix,
    },
  };
}

/**
 * `gdnctl dev-tpu-profile`: the profile command on every worker, worker 0's traces copied back into the ledger
 * ($GDNCTL_ITER_DIR/profile/ in a loop, else <profilesDir>/<run-name>/; profile-output.ts), hotspots summarised
 * from the trace, throughput printed as GDNCTL_METRIC.
 */
export async function runDevTpuProfile(ctx: CommandContext, provider?: () => Promise<TpuProvider>): Promise<number> {
  const v = ctx.config.values;
  const opts = profileOptions(v, ctx.env, v.tpu || undefined);
  checkProfileWindow(opts);
  const extra = { ...parseEnvPairs(v.profileEnv, '--profile-env'), ...parseUserEnv(ctx) };
  const runName = profileRunName(opts, Date.now());
  const local = v.accelerator === 'local';
  const output = planProfileOutput(ctx, runName);
  const localProfileDir = local ? mkdtempSync(join(tmpdir(), 'gdnctl-profile-')) : undefined;
  const workerProfileDir = localProfileDir ?? output.placement.workerDir;
  const outDir = output.placement.localDir;
  let session: Session | undefined;
  let redact = (t: string): string => t;
  try {
    const base = buildForwardEnv(ctx, {}, extra);
    redact = base.redact;
    session = await openSession(ctx, redact, v.json, provider);
    const node = session.target.node;
    if (!opts.tpuVariant && node?.acceleratorType) opts.tpuVariant = node.acceleratorType;
    if (!v.marinPrefix && node) opts.model = { ...opts.model, marinPrefix: marinPrefixFor(node.cluster) };
    // An explicit --marin-prefix beats a MARIN_PREFIX forwarded from this machine; the derived default does not.
    const env = { ...profileEnv(opts, runName, workerProfileDir), ...base.env, ...(v.marinPrefix ? { MARIN_PREFIX: v.marinPrefix } : {}) };
    // On the workers the folder is home-relative: expanded there, after retention pruned the scope's older runs.
    const onWorkers = local ? '' : `export GDNCTL_PROFILE_DIR=${shPath(workerProfileDir)}\n${output.workerPrune}\n`;
    // As the Python tool's --dry-run: the executor's own dry run, asked for on the profile command line.
    const command = `${onWorkers}mkdir -p "$GDNCTL_PROFILE_DIR"\n${v.profileCommand}${v.profileDryRun ? ' --dry_run true' : ''}`;
    const results = await syncAndRun(ctx, session, command, env);
    if (ctx.interrupt.signal.aborted) return ExitCode.interrupted;
    let code: number = workersExitCode(results);
    const w0 = results.find((r) => r.worker === 0);

    let traces: string[] = [];
    let hotspots: HotspotSummary | undefined;
    const w0Worker = session.target.workers.find((w) => w.index === 0);
    if (w0Worker && w0 && !w0.unreachable) {
      await output.hideFromGit();
      rmSync(outDir, { recursive: true, force: true });
      traces = await session.remote.fetch(w0Worker, workerProfileDir, outDir, tracePatterns(v.includeXplane));
      writeProfileMeta(outDir, { runName, workerDir: local ? '' : workerProfileDir, createdAt: new Date().toISOString() });
      output.pruneLocal();
      ctx.log.info(`copied ${traces.length} trace file(s) from w0 into ${outDir}`);
    }
    // The XSpace first when it was copied, the JSON trace as the fallback (docs/decisions.md "XPlane input").
    const summary = await summarizeTraces(ctx, traces, outDir, code, 'under GDNCTL_PROFILE_DIR on w0; make the profile command write its traces there');
    code = summary.code;
    hotspots = summary.hotspots;
    const metrics: ProfileMetrics = parseProfileMetrics(w0?.output ?? '');
    if (metrics.step_time_ms === undefined && hotspots?.stepTimeMs !== undefined) metrics.step_time_ms = hotspots.stepTimeMs;
    const line = metricLine(metrics);
    if (v.json) {
      if (line) ctx.stderr.write(line + '\n');
      const report = { ok: code === ExitCode.ok, exitCode: code, runName, dir: outDir, ...(local ? {} : { workerDir: workerProfileDir }), traces, metrics, hotspots: hotspots ?? null, workers: workerReports(results).map(({ summary: _s, ...w }) => w) };
      ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else if (line) ctx.stdout.write(line + '\n');
    return code;
  } catch (e) {
    if (e instanceof InterruptedError || ctx.interrupt.signal.aborted) return ExitCode.interrupted;
    if (e instanceof ResourceError) {
      ctx.stderr.write(`gdnctl: ${redact(e.message)}\n`);
      return ExitCode.resourceUnavailable;
    }
    if (e instanceof Error && /^(sync|fetch)/.test(e.message)) {
      ctx.stderr.write(`gdnctl: ${redact(e.message)}\n`);
      return ExitCode.failed;
    }
    throw e;
  } finally {
    await session?.close();
    if (localProfileDir) rmSync(localProfileDir, { recursive: true, force: true });
  }
}

/**
 * The hotspot table of copied traces (dev-tpu-profile and ray-profile): the XSpace first, the JSON trace as the
 * fallback (docs/decisions.md "XPlane input"), written beside the traces and into the iteration. No readable trace
 * fails a run that had passed; `noTraces` says where they were looked for and how to fix it.
 */
export async function summarizeTraces(ctx: CommandContext, traces: string[], outDir: string, code: number, noTraces: string): Promise<{ code: number; hotspots?: HotspotSummary }> {
  const v = ctx.config.values;
  const picked = await summarizeProfile({ xplane: pickXPlane(traces), json: pickTrace(traces) }, { top: v.hotspotsTop }, (m) => ctx.log.warn(m));
  if (picked.kind === 'table') {
    const hotspots = { ...picked.summary, source: relative(outDir, picked.file) };
    writeHotspots(outDir, hotspots);
    if (ctx.env.GDNCTL_ITER_DIR) writeHotspots(ctx.env.GDNCTL_ITER_DIR, hotspots);
    if (!v.json) ctx.stdout.write(hotspotsMarkdown(hotspots));
    return { code, hotspots };
  }
  if (picked.kind === 'unreadable') ctx.log.error(picked.problem);
  else if (code === ExitCode.ok) ctx.log.error(`no trace files (${tracePatterns(v.includeXplane).join(', ')}) ${noTraces}`);
  return { code: code === ExitCode.ok ? ExitCode.failed : code };
}

function writeHotspots(dir: string, s: HotspotSummary): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'hotspots.json'), JSON.stringify(s, null, 2) + '\n');
  writeFileSync(join(dir, 'hotspots.md'), hotspotsMarkdown(s));
}
