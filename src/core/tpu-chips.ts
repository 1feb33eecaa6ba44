/**
 * What an accelerator type (`v5p-16`, `v5litepod-8`, …) is made of: chips, hosts, generation, bf16 peak. The one
 * table of TPU families in the code; everything that counts chips or FLOP/s (the bench's GDNCTL_TPU_CHIPS, the env
 * snapshot, MFU, TPU-hours) reads it. A leaf: core and adapters both import it.
 *
 * For v4 and v5p the N of `<family>-N` counts TensorCores, two per chip (v5p-8 = 4 chips); for v5e (v5litepod)
 * and v6e it counts chips. A v4/v5p host carries 4 chips; v5e/v6e slices up to 8 chips sit on one host, larger
 * ones have 4 chips per host (Cloud TPU's published machine shapes). Peaks are Google's published bf16 TFLOP/s
 * per chip; `chipPeakTflops` in gdnctl.yaml overrides them (a newer family, another dtype's peak).
 */

export interface TpuFamily {
  /** The family as accelerator types spell it (`v5litepod`, not "v5e"). */
  name: string;
  /** What a person calls it ("TPU v5p"). */
  generation: string;
  /** The N of `<family>-N` counts TensorCores (2 per chip) rather than chips. */
  countsTensorCores: boolean;
  /** Chips on one host of a multi-host slice. */
  chipsPerHost: number;
  /** The largest slice that fits on a single host, in chips. */
  singleHostMaxChips: number;
  /** bf16 TFLOP/s of one chip. */
  peakTflops: number;
}

const family = (f: TpuFamily): TpuFamily => f;

/** Per family; `v5e` is accepted as another spelling of `v5litepod`. */
export const TPU_FAMILIES = {
  v4: family({ name: 'v4', generation: 'TPU v4', countsTensorCores: true, chipsPerHost: 4, singleHostMaxChips: 4, peakTflops: 275 }),
  v5p: family({ name: 'v5p', generation: 'TPU v5p', countsTensorCores: true, chipsPerHost: 4, singleHostMaxChips: 4, peakTflops: 459 }),
  v5litepod: family({ name: 'v5litepod', generation: 'TPU v5e', countsTensorCores: false, chipsPerHost: 4, singleHostMaxChips: 8, peakTflops: 197 }),
  v5e: family({ name: 'v5e', generation: 'TPU v5e', countsTensorCores: false, chipsPerHost: 4, singleHostMaxChips: 8, peakTflops: 197 }),
  v6e: family({ name: 'v6e', generation: 'TPU v6e (Trillium)', countsTensorCores: false, chipsPerHost: 4, singleHostMaxChips: 8, peakTflops: 918 }),
} as const satisfies Record<string, TpuFamily>;

export type TpuFamilyName = keyof typeof TPU_FAMILIES;

export interface TpuShape {
  acceleratorType: string;
  family: TpuFamily;
  chips: number;
  hosts: number;
}

/** The family of an accelerator type, or undefined for one gdnctl does not know. */
export function tpuFamilyOf(acceleratorType: string): TpuFamily | undefined {
  const name = /^([a-z0-9]+?)-\d+$/.exec(acceleratorType.trim().toLowerCase())?.[1];
  return name !== undefined && Object.hasOwn(TPU_FAMILIES, name) ? TPU_FAMILIES[name as TpuFamilyName] : undefined;
}

/** Chips and hosts of an accelerator type; undefined for an unknown family or a malformed type. */
export function tpuShape(acceleratorType: string): TpuShape | undefined {
  const fam = tpuFamilyOf(acceleratorType);
  const n = Number(/-(\d+)$/.exec(acceleratorType.trim())?.[1]);
  if (!fam || !Number.isInteger(n) || n <= 0) return undefined;
  const chips = fam.countsTensorCores ? Math.max(1, n / 2) : n;
  const hosts = chips <= fam.singleHostMaxChips ? 1 : Math.ceil(chips / fam.chipsPerHost);
  return { acceleratorType, family: fam, chips, hosts };
}

/** "v5p-16: 8 chips of TPU v5p on 2 hosts", or the bare type when the family is unknown. */
export function describeTpuShape(acceleratorType: string): string {
  const s = tpuShape(acceleratorType);
  if (!s) return `${acceleratorType || 'unknown type'} (chips unknown)`;
  return `${acceleratorType}: ${s.chips} chip${s.chips === 1 ? '' : 's'} of ${s.family.generation} on ${s.hosts} host${s.hosts === 1 ? '' : 's'}`;
}

/** The per-chip bf16 peak in TFLOP/s: the override when given, else the family's; undefined for an unknown family. */
export function chipPeakTflops(acceleratorType: string | undefined, override?: number): number | undefined {
  if (override !== undefined) return override;
  return acceleratorType === undefined ? undefined : tpuFamilyOf(acceleratorType)?.peakTflops;
}
