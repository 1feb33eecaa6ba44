/**
 * The bf16 peak of one TPU chip, by accelerator family, for MFU (`mfu = flops / step_s / (chips × peak)`).
 * From Google's published per-chip figures for the families gdnctl can allocate; `chipPeakTflops` in gdnctl.yaml
 * overrides it (a newer family, or another dtype's peak). A leaf: the config check, the metric reader and the
 * report use the same table.
 */

/** bf16 TFLOP/s per chip. */
export const TPU_PEAK_TFLOPS: Readonly<Record<string, number>> = {
  v4: 275,
  v5e: 197,
  v5p: 459,
  v6e: 918,
};

/** The family of an accelerator type: `v5p-8` → v5p, `v5litepod-16` → v5e (the API's name for v5e), `v6e-8` → v6e. */
export function tpuFamily(acceleratorType: string): string | undefined {
  const family = /^(v\d+[a-z]*)-\d+$/.exec(acceleratorType.trim().toLowerCase())?.[1];
  if (family === undefined) return undefined;
  return family === 'v5litepod' ? 'v5e' : family;
}

/** The per-chip peak in TFLOP/s: the override when given, else the family's; undefined for an unknown family. */
export function chipPeakTflops(acceleratorType: string | undefined, override?: number): number | undefined {
  if (override !== undefined) return override;
  if (acceleratorType === undefined) return undefined;
  const family = tpuFamily(acceleratorType);
  return family === undefined ? undefined : TPU_PEAK_TFLOPS[family];
}
