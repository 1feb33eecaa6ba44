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
  /** Accelerator type of the target node (v5p-8…), when known. */
  tpuVariant?: string;
  iteration?: string;
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

/** The GDN_PROFILE_* variables the anchor's tiny_profile reads (docs/decisions.md "Inherited from the Python tool" §5), plus ours. */
export function profileEnv(o: ProfileOptions, runName: string, profileDir: string): Record<string, string> {
  return {
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
