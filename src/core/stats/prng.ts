/**
 * Seeded pseudo-random numbers for the bootstrap and the decision-quality simulation. mulberry32: 32-bit state,
 * full period 2^32, fast, and good enough for resampling; the point is reproducibility (same seed, same CI),
 * not cryptographic quality.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller; the second value of each pair is cached). */
  normal(): number;
}

export function mulberry32(seed: number): Prng {
  let a = seed >>> 0;
  let spare: number | undefined;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Derive an independent-looking 32-bit seed from a base seed and a label (FNV-1a over both). */
export function deriveSeed(base: number, label: string | number): number {
  let h = 0x811c9dc5 ^ (base >>> 0);
  for (const ch of `${label}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
