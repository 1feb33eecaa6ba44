import { UsageError } from '../errors.js';
import { iterNumber } from './text/iteration-name.js';

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

/** Trace files copied back from worker 0 (docs/decisions.md "Inherited from the Python tool" §5: Perfetto JSON is the source of truth). */
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
