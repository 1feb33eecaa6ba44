/**
 * The finalists' round: candidates that beat the champion, each at α/K, are ranked by a short interleaved
 * round on the same machine (or chip), every pass in a rotated order so no candidate always runs first. It
 * only ranks: the error control was each candidate's own test against the champion (docs/decisions.md
 * "Issue 16"), so the best median wins, ties going to the lower slot.
 */
import type { FinalistBench } from '../../ports/parallel.js';
import { median } from '../stats/descriptive.js';

export interface Finalist {
  slot: number;
  dir: string;
  /** Its median against the champion, used when there is no finalist benchmark or it gave nothing. */
  measured?: number | undefined;
}

export interface Ranked {
  order: number[];
  values: Record<number, number[]>;
}

export const FINALIST_PASSES = 3;

export async function rankFinalists(
  finalists: readonly Finalist[],
  opts: { bench?: FinalistBench | undefined; direction: 'higher' | 'lower'; passes?: number; signal?: AbortSignal },
): Promise<Ranked> {
  const values: Record<number, number[]> = Object.fromEntries(finalists.map((f) => [f.slot, []]));
  if (finalists.length > 1 && opts.bench) {
    const passes = opts.passes ?? FINALIST_PASSES;
    const order = Array.from({ length: passes * finalists.length }, (_, i) => finalists[(Math.floor(i / finalists.length) + i) % finalists.length]!);
    if (opts.bench.runAll) {
      // The whole round at once (one Ray job): the same order, so the same interleaving.
      const got = await opts.bench.runAll(order.map((f) => f.dir), opts.signal);
      got.forEach((r, i) => {
        if (r.ok && order[i]) values[order[i].slot]!.push(r.value);
      });
    } else {
      for (const f of order) {
        if (opts.signal?.aborted) break;
        const r = await opts.bench.run(f.dir, opts.signal);
        if (r.ok) values[f.slot]!.push(r.value);
      }
    }
  }
  const score = (f: Finalist): number | undefined => {
    const v = values[f.slot]!;
    return v.length > 0 ? median(v) : f.measured;
  };
  const better = opts.direction === 'higher' ? (a: number, b: number) => b - a : (a: number, b: number) => a - b;
  const order = [...finalists]
    .sort((a, b) => {
      const x = score(a);
      const y = score(b);
      if (x === undefined || y === undefined) return x === y ? a.slot - b.slot : x === undefined ? 1 : -1;
      return better(x, y) || a.slot - b.slot;
    })
    .map((f) => f.slot);
  return { order, values };
}
