/**
 * MFU settings from the config: the TPU type (--tpu-type, else the cluster's acceleratorType), its chip count and
 * bf16 peak (src/core/tpu-chips.ts, chipPeakTflops overriding), how the metric reader computes `mfu`, and the
 * usage check that refuses an unknown chip family before anything runs.
 */
import type { Config } from '../../config/schema.js';
import type { MfuSpec } from '../../core/metric.js';
import { chipPeakTflops, tpuShape } from '../../core/tpu-chips.js';
import { BUILTIN_CLUSTERS } from '../../core/tpu-clusters.js';
import { mfuOf } from '../../core/metric.js';

export type MfuValues = Pick<Config, 'stepTimeMetric' | 'flopsPerStep' | 'chipPeakTflops' | 'devTpuType' | 'devTpuCluster' | 'clusters'> & { metric?: string | undefined };

/** The accelerator type MFU is computed for: --tpu-type, else the cluster's (v5p-8 for the built-in clusters). */
export function mfuAcceleratorType(v: Partial<MfuValues>): string | undefined {
  if (v.devTpuType) return v.devTpuType;
  if (!v.devTpuCluster) return undefined;
  return { ...BUILTIN_CLUSTERS, ...(v.clusters ?? {}) }[v.devTpuCluster]?.acceleratorType;
}

/**
 * Chips of an accelerator type (src/core/tpu-chips.ts); a family gdnctl does not know (its peak then comes from
 * chipPeakTflops) counts the type's number as chips.
 */
export function chipsOf(acceleratorType: string): number | undefined {
  const known = tpuShape(acceleratorType);
  if (known) return known.chips;
  const n = Number(/-(\d+)$/.exec(acceleratorType)?.[1]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** chips × per-chip peak in FLOP/s, when both are known. */
export function peakFlopsPerS(v: Partial<MfuValues>, chips: (type: string) => number | undefined = chipsOf): number | undefined {
  const type = mfuAcceleratorType(v);
  const peak = chipPeakTflops(type, v.chipPeakTflops);
  const n = type === undefined ? undefined : chips(type);
  return peak === undefined || n === undefined ? undefined : n * peak * 1e12;
}

/** What the metric reader needs to compute `mfu` (src/core/metric.ts). */
export function mfuMetricSpec(v: Partial<MfuValues>, chips?: (type: string) => number | undefined): { mfu?: MfuSpec } {
  if (!v.stepTimeMetric) return {};
  return { mfu: { stepTimeMetric: v.stepTimeMetric, flopsPerStep: v.flopsPerStep, peakFlopsPerS: peakFlopsPerS(v, chips) } };
}

/**
 * The MFU of a metric value, for the leaderboard: the value itself for --metric mfu, computed from
 * --flops-per-step for the step-time metric; undefined otherwise.
 */
export function mfuOfValue(v: Partial<MfuValues>, chips?: (type: string) => number | undefined): ((value: number) => number | undefined) | undefined {
  if (v.metric === 'mfu') return (x) => x;
  const peak = peakFlopsPerS(v, chips);
  if (v.metric === undefined || v.metric !== v.stepTimeMetric || v.flopsPerStep === undefined || peak === undefined) return undefined;
  const flops = v.flopsPerStep;
  return (ms) => (ms > 0 ? mfuOf(flops, ms, peak) : undefined);
}

/** An unknown chip family with MFU asked for (--metric mfu or --flops-per-step) and no chipPeakTflops: exit 2. */
export function mfuProblems(v: Partial<MfuValues>): string[] {
  if (v.metric !== 'mfu' && v.flopsPerStep === undefined) return [];
  const type = mfuAcceleratorType(v);
  if (type === undefined || chipPeakTflops(type, v.chipPeakTflops) !== undefined) return [];
  return [
    `no bf16 peak is known for TPU type ${type} (known families: v4, v5e, v5p, v6e), so MFU cannot be computed; set chipPeakTflops: <TFLOP/s per chip> in gdnctl.yaml or pass --chip-peak-tflops N`,
  ];
}
