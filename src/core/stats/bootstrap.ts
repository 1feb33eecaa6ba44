import { medianOfSorted } from './descriptive.js';
import { mulberry32 } from './prng.js';

export interface BootstrapCi {
  /** Point estimate: relative change of medians in %, positive = better in the metric's direction. */
  estimatePct: number;
  lowPct: number;
  highPct: number;
  level: number;
  resamples: number;
}

/** Relative change of the candidate's median against the champion's, in %, signed so that positive = better. */
export function relativeChangePct(candidateMedian: number, championMedian: number, direction: 'higher' | 'lower'): number {
  const d = ((candidateMedian - championMedian) / Math.abs(championMedian)) * 100;
  return direction === 'higher' ? d : -d;
}

function resampledMedian(xs: readonly number[], rand: () => number, buf: number[]): number {
  for (let i = 0; i < xs.length; i++) buf[i] = xs[Math.floor(rand() * xs.length)]!;
  buf.sort((a, b) => a - b);
  return medianOfSorted(buf);
}

/**
 * Percentile bootstrap CI of the relative change of medians, each side resampled independently. Seeded, so the
 * same samples and seed give the same interval (a decision must be reproducible from its record).
 */
export function bootstrapRelativeChange(
  candidate: readonly number[],
  champion: readonly number[],
  opts: { direction: 'higher' | 'lower'; level?: number; resamples?: number; seed: number },
): BootstrapCi {
  const level = opts.level ?? 0.95;
  const resamples = opts.resamples ?? 2000;
  const rng = mulberry32(opts.seed);
  const rand = rng.next;
  const cs = [...candidate].sort((a, b) => a - b);
  const hs = [...champion].sort((a, b) => a - b);
  const estimatePct = relativeChangePct(medianOfSorted(cs), medianOfSorted(hs), opts.direction);
  const stats = new Float64Array(resamples);
  const cb = new Array<number>(cs.length);
  const hb = new Array<number>(hs.length);
  for (let b = 0; b < resamples; b++) {
    const hm = resampledMedian(hs, rand, hb);
    const cm = resampledMedian(cs, rand, cb);
    stats[b] = hm === 0 ? Number.NaN : relativeChangePct(cm, hm, opts.direction);
  }
  stats.sort();
  const finite = Array.from(stats).filter((v) => Number.isFinite(v));
  const q = (p: number): number => {
    if (finite.length === 0) return Number.NaN;
    const idx = Math.min(finite.length - 1, Math.max(0, Math.floor(p * finite.length)));
    return finite[idx]!;
  };
  const tail = (1 - level) / 2;
  return { estimatePct, lowPct: q(tail), highPct: q(1 - tail), level, resamples };
}
