import { sha256Hex } from './text/sha256.js';
import { UsageError } from '../errors.js';
import { shPath, shQuote } from './shell-quote.js';
import { iterNumber } from './text/iteration-name.js';
import { byCodePoint } from './text/plain-format.js';

export interface ProfileOptions {
  size: string;
  numSteps: number;
  profileStartStep: number;
  profileNumSteps: number;
  batchSize: number;
  runNamePrefix: string;
  includeXplane: boolean;
  /** TPU variant the training config is built for: --tpu, else the target node's accelerator type. */
  tpuVariant?: string;
  iteration?: string;
  /** The Python tool's model knobs (docs/dev-tpu.md); unset ones are not exported. */
  model?: ProfileModelOptions;
}

export interface ProfileModelOptions {
  chunkSize?: number | undefined;
  segmentSize?: number | undefined;
  gdnLayersPerBlock?: number | undefined;
  gdnBlockSize?: number | undefined;
  allTransformer?: boolean;
  ceImplementation?: string;
  ceBwdMode?: 'pallas' | 'xla_streaming';
  wandbMode?: string;
  marinPrefix?: string | undefined;
}

/** Trace files copied back from worker 0: the XSpace first when included, the JSON traces as the fallback (docs/decisions.md "XPlane input"). */
export function tracePatterns(includeXplane: boolean): string[] {
  return ['perfetto_trace.json.gz', '*.trace.json.gz', ...(includeXplane ? ['*.xplane.pb'] : [])];
}

/** Usage checks before anything runs. */
export function checkProfileWindow(o: ProfileOptions): void {
  if (o.profileStartStep + o.profileNumSteps > o.numSteps) {
    throw new UsageError(
      `profile window steps ${o.profileStartStep}..${o.profileStartStep + o.profileNumSteps - 1} does not fit in --num-steps ${o.numSteps}; raise --num-steps or lower --profile-start-step/--profile-num-steps`,
    );
  }
}

/** `<prefix>_<size>_<steps>steps[_iterNNN]_<UTC stamp>`: sortable, and unique per run so traces never mix. */
export function profileRunName(o: ProfileOptions, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const iter = o.iteration && /^\d+$/.test(o.iteration) ? `_iter${iterNumber(Number(o.iteration))}` : '';
  return `${o.runNamePrefix}_${o.size}_${o.numSteps}steps${iter}_${stamp}`;
}

/**
 * The default MARIN_PREFIX for a cluster, as the Python tool derived it: the bucket of the cluster's region
 * (`us-east5-a` → `gs://marin-us-east5`, `us-east5` → the same, `marin-us-central1` → `gs://marin-us-central1`).
 */
export function marinPrefixFor(cluster: string): string {
  const name = cluster.replace(/^marin-/, '');
  const region = /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(name)?.[1] ?? name;
  return `gs://marin-${region}`;
}

/** The model knobs as the variables tiny_profile and Levanter read (docs/decisions.md "Profile-model flags"). */
export function modelEnv(m: ProfileModelOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const num = (name: string, v: number | undefined): void => {
    if (v !== undefined) out[name] = String(v);
  };
  num('GDN_PROFILE_CHUNK_SIZE', m.chunkSize);
  num('GDN_PROFILE_SEGMENT_SIZE', m.segmentSize);
  num('GDN_PROFILE_GDN_LAYERS_PER_BLOCK', m.gdnLayersPerBlock);
  num('GDN_PROFILE_GDN_BLOCK_SIZE', m.gdnBlockSize);
  if (m.allTransformer) out.GDN_PROFILE_ALL_TRANSFORMER = '1';
  if (m.ceImplementation && m.ceImplementation !== 'auto') out.LEVANTER_FUSED_CE_IMPLEMENTATION = m.ceImplementation;
  if (m.ceBwdMode) out.LEVANTER_PALLAS_TPU_BWD_USE_XLA_STREAMING_BENCH = m.ceBwdMode === 'xla_streaming' ? '1' : '0';
  if (m.wandbMode) out.WANDB_MODE = m.wandbMode;
  if (m.marinPrefix) out.MARIN_PREFIX = m.marinPrefix;
  return out;
}

/** The GDN_PROFILE_* variables the anchor's tiny_profile reads (docs/decisions.md "Inherited from the Python tool" §5), plus ours. */
export function profileEnv(o: ProfileOptions, runName: string, profileDir: string): Record<string, string> {
  return {
    ...modelEnv(o.model),
    EQX_ON_ERROR: 'nan',
    GDN_PROFILE_SIZE: o.size,
    GDN_PROFILE_NUM_STEPS: String(o.numSteps),
    GDN_PROFILE_PROFILE_START_STEP: String(o.profileStartStep),
    GDN_PROFILE_PROFILE_NUM_STEPS: String(o.profileNumSteps),
    GDN_PROFILE_BATCH_SIZE: String(o.batchSize),
    GDN_PROFILE_RUN_NAME_PREFIX: o.runNamePrefix,
    ...(o.tpuVariant ? { GDN_PROFILE_TPU_VARIANT: o.tpuVariant } : {}),
    GDNCTL_PROFILE_RUN_NAME: runName,
    GDNCTL_PROFILE_DIR: profileDir,
  };
}

// ── Where a profile's traces live, and how long (docs/decisions.md "Profiles belong to the ledger"). ──

/** One profile run's folders: the local copy is the ledger's, the worker's is scratch kept for retention. */
export interface ProfilePlacement {
  /** Receives worker 0's traces (emptied first, so it holds exactly the profile its hotspots.json describes). */
  localDir: string;
  /** This run's folder on every worker, home-relative (`~/…`). */
  workerDir: string;
  /** The folder on the workers holding this scope's runs; retention prunes it. */
  workerScopeDir: string;
}

/** Home-relative root of every profile on a worker: per user by construction, unlike a fixed /tmp folder. */
export const WORKER_PROFILE_ROOT = '~/.gdnctl/profiles';

/**
 * The worker scope: one folder per local repository (its name and a hash of its path, so two checkouts never
 * prune each other's runs), and inside it one per loop run, or `adhoc` for runs outside a loop.
 */
export function workerProfileScope(repoRoot: string, loopRunId: string | undefined): string {
  const name = (repoRoot.split('/').filter(Boolean).pop() ?? 'repo').replace(/[^A-Za-z0-9_.-]/g, '_');
  const hash = sha256Hex(repoRoot).slice(0, 8);
  return `${WORKER_PROFILE_ROOT}/${name}-${hash}/${loopRunId ?? 'adhoc'}`;
}

export function profilePlacement(o: { runName: string; repoRoot: string; iterDir?: string | undefined; loopRunId?: string | undefined; profilesRoot: string }): ProfilePlacement {
  const workerScopeDir = workerProfileScope(o.repoRoot, o.iterDir ? (o.loopRunId ?? 'loop') : undefined);
  return {
    localDir: o.iterDir ? `${o.iterDir.replace(/\/+$/, '')}/profile` : `${o.profilesRoot.replace(/\/+$/, '')}/${o.runName}`,
    workerDir: `${workerScopeDir}/${o.runName}`,
    workerScopeDir,
  };
}

/** A kept profile: its run name (the worker folder's name), creation order, and loop iteration when in one. */
export interface ProfileEntry {
  runName: string;
  /** Larger is newer. */
  order: number;
  iteration?: number | undefined;
}

/**
 * Retention: every profile of the champion lineage (the iterations that were promoted, and the champion's) and
 * the newest `keep` of the others; the current run is always kept. The rest is pruned, here and on the workers.
 */
export function profilesToPrune<E extends ProfileEntry>(entries: readonly E[], o: { keep: number; lineage: ReadonlySet<number>; current: string }): { keep: E[]; prune: E[] } {
  // The current run first, so it is one of the N.
  const rank = (x: E): number => (x.runName === o.current ? Number.POSITIVE_INFINITY : x.order);
  const newestFirst = [...entries].sort((a, b) => rank(b) - rank(a) || byCodePoint(b.runName, a.runName));
  const keep: E[] = [];
  const prune: E[] = [];
  let others = 0;
  for (const e of newestFirst) {
    if (e.iteration !== undefined && o.lineage.has(e.iteration)) keep.push(e);
    else if (e.runName === o.current || others < o.keep) {
      keep.push(e);
      others++;
    } else prune.push(e);
  }
  return { keep, prune };
}

/** The UTC stamp a run name ends with (`…_20261123T120000Z`) as a sortable number, else undefined. */
export function runNameOrder(runName: string): number | undefined {
  const m = /_(\d{8})T(\d{6})Z$/.exec(runName);
  return m ? Number(m[1]! + m[2]!) : undefined;
}

/**
 * Shell lines run on each worker before the profile: remove the scope's runs that are not kept. Names are
 * matched literally (quoted case patterns), so a name is never read as a glob.
 */
export function workerPruneScript(scopeDir: string, keepRunNames: readonly string[]): string {
  const keep = keepRunNames.length > 0 ? keepRunNames.map(shQuote).join('|') : "''";
  return [
    `gdnctl_scope=${shPath(scopeDir)}`,
    'if [ -d "$gdnctl_scope" ]; then for gdnctl_run in "$gdnctl_scope"/*; do',
    `  case "\${gdnctl_run##*/}" in ${keep}) ;; *) rm -rf -- "$gdnctl_run" ;; esac`,
    'done; fi',
  ].join('\n');
}
