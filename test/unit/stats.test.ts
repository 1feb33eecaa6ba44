import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mannWhitneyU } from '../../src/core/stats/mann-whitney.js';
import { normalCdf } from '../../src/core/stats/normal.js';
import { cvPct, mad, median, robustCvPct, stdev } from '../../src/core/stats/descriptive.js';
import { deriveSeed, mulberry32 } from '../../src/core/stats/prng.js';
import { bootstrapRelativeChange, relativeChangePct } from '../../src/core/stats/bootstrap.js';

// Reference numbers below were computed with scipy 1.17.1 (scipy.stats.mannwhitneyu / norm.cdf /
// median_abs_deviation) on this machine, and hard-coded here with that source.
const close = (a: number, b: number, rel = 1e-6, what = ''): void =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1e-12, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('Mann-Whitney: scipy docs example (males vs females), exact and asymptotic', () => {
  const males = [19, 22, 16, 29, 24];
  const females = [20, 11, 17, 12];
  const two = mannWhitneyU(males, females, 'two-sided', 'exact');
  assert.equal(two.u, 17);
  close(two.p, 0.1111111111111111, 1e-12, 'exact two-sided');
  close(mannWhitneyU(males, females, 'greater', 'exact').p, 0.05555555555555555, 1e-12, 'exact greater');
  close(mannWhitneyU(males, females, 'less', 'exact').p, 0.9682539682539683, 1e-12, 'exact less');
  close(mannWhitneyU(males, females, 'two-sided', 'asymptotic').p, 0.11134688653314041, 1e-5, 'asym two-sided');
  close(mannWhitneyU(males, females, 'greater', 'asymptotic').p, 0.055673443266570206, 1e-5, 'asym greater');
  close(mannWhitneyU(males, females, 'less', 'asymptotic').p, 0.9669037101389033, 1e-5, 'asym less');
  assert.equal(mannWhitneyU(males, females, 'greater').method, 'exact');
});

test('Mann-Whitney: ties use midranks and the tie-corrected variance (scipy asymptotic)', () => {
  const x = [1, 2, 2, 3, 4, 5, 5, 6];
  const y = [2, 3, 3, 4, 6, 7, 8, 8, 9];
  const r = mannWhitneyU(x, y, 'less');
  assert.equal(r.method, 'asymptotic');
  assert.equal(r.u, 19);
  close(r.p, 0.05485278035533292, 1e-5, 'less');
  close(mannWhitneyU(x, y, 'greater').p, 0.9551004532458541, 1e-5, 'greater');
  close(mannWhitneyU(x, y, 'two-sided').p, 0.10970556071066584, 1e-5, 'two-sided');
});

test('Mann-Whitney: 10 vs 10 and 20 vs 20 benchmark-like samples', () => {
  const a = [101.2, 99.8, 100.5, 102.1, 98.9, 100.0, 101.7, 99.5, 100.9, 101.1];
  const b = [97.3, 98.8, 96.9, 99.1, 98.2, 97.7, 99.6, 98.0, 96.5, 98.4];
  const ex = mannWhitneyU(a, b, 'greater');
  assert.equal(ex.u, 97);
  close(ex.p, 3.788780878564161e-5, 1e-9, 'exact 10x10');
  close(mannWhitneyU(a, b, 'greater', 'asymptotic').p, 0.00021981937631328227, 1e-5, 'asym 10x10');
  const c = [101.037, 102.465, 100.991, 96.091, 102.716, 101.339, 98.389, 101.743, 101.094, 100.882, 100.085, 101.64, 97.791, 99.511, 98.554, 101.797, 100.119, 99.123, 97.654, 99.228];
  const d = [102.024, 101.173, 105.882, 105.02, 93.867, 96.333, 101.476, 100.733, 102.641, 102.652, 108.354, 98.664, 100.867, 108.128, 103.94, 103.989, 100.458, 97.056, 102.502, 102.327];
  const r = mannWhitneyU(c, d, 'less');
  assert.equal(r.u, 121);
  assert.equal(r.method, 'exact');
  close(r.p, 0.016321677834469826, 1e-9, 'exact 20x20');
  close(mannWhitneyU(c, d, 'less', 'asymptotic').p, 0.016858834468431613, 1e-5, 'asym 20x20');
});

test('Mann-Whitney exact distribution agrees with brute-force enumeration', () => {
  // Independent check: enumerate every split of 7 distinct values into 3 + 4 and count U >= observed.
  const x = [3.1, 7.2, 9.9];
  const y = [1.0, 4.4, 5.5, 8.8];
  const all = [...x, ...y];
  const uOf = (xs: number[], ys: number[]): number => xs.reduce((s, a) => s + ys.filter((b) => a > b).length, 0);
  const obs = uOf(x, y);
  let hits = 0;
  let total = 0;
  for (let mask = 0; mask < 1 << 7; mask++) {
    if (mask.toString(2).split('').filter((c) => c === '1').length !== 3) continue;
    const xs = all.filter((_, i) => mask & (1 << i));
    const ys = all.filter((_, i) => !(mask & (1 << i)));
    total++;
    if (uOf(xs, ys) >= obs) hits++;
  }
  assert.equal(total, 35);
  close(mannWhitneyU(x, y, 'greater').p, hits / total, 1e-12, 'enumeration');
});

test('normal CDF matches scipy.stats.norm.cdf', () => {
  close(normalCdf(0), 0.5, 2e-7, '0');
  close(normalCdf(1), 0.8413447460685429, 2e-7, '1');
  close(normalCdf(1.96), 0.9750021048517795, 2e-7, '1.96');
  close(normalCdf(-2.5), 0.006209665325776132, 2e-7, '-2.5');
  close(normalCdf(3.5), 0.9997673709209645, 2e-7, '3.5');
});

test('median, MAD and CV (auto-optimize raw values plus one outlier)', () => {
  const v = [84, 83, 85, 82, 83, 120];
  assert.equal(median(v), 83.5);
  assert.equal(median([84, 83, 85, 82, 83]), 83);
  assert.equal(mad(v), 1.0); // scipy median_abs_deviation
  close(cvPct(v), 16.733685463947545, 1e-9, 'cv'); // numpy std(ddof=1)/mean*100
  close(robustCvPct(v), (1.4826 * 1.0 * 100) / 83.5, 1e-12, 'robust cv');
  assert.equal(stdev([5]), 0);
  assert.throws(() => median([]), RangeError);
  assert.deepEqual(v, [84, 83, 85, 82, 83, 120], 'inputs are not mutated');
});

test('mulberry32 is deterministic per seed, roughly uniform, and normal() has unit variance', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const sa = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(sa, Array.from({ length: 5 }, () => b.next()));
  assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.next()));
  const r = mulberry32(7);
  let s = 0;
  let s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.03, `normal mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.05, `normal var ${s2 / n}`);
  const u = mulberry32(9);
  const bins = [0, 0, 0, 0];
  for (let i = 0; i < 8000; i++) bins[u.int(4)]!++;
  for (const k of bins) assert.ok(k > 1800 && k < 2200, `bins ${bins}`);
  assert.notEqual(deriveSeed(1, 'a'), deriveSeed(1, 'b'));
  assert.equal(deriveSeed(1, 'a'), deriveSeed(1, 'a'));
});

test('bootstrap CI of the relative change: seeded, signed by direction, covers the truth', () => {
  assert.equal(relativeChangePct(95, 100, 'lower'), 5);
  assert.equal(relativeChangePct(105, 100, 'higher'), 5);
  const champ = [100, 101, 99, 100.5, 99.5, 100.2, 99.8];
  const cand = champ.map((v) => v * 0.95);
  const ci = bootstrapRelativeChange(cand, champ, { direction: 'lower', seed: 3 });
  assert.deepEqual(ci, bootstrapRelativeChange(cand, champ, { direction: 'lower', seed: 3 }));
  close(ci.estimatePct, 5, 1e-9, 'estimate');
  assert.ok(ci.lowPct > 3 && ci.lowPct <= 5 && ci.highPct >= 5 && ci.highPct < 7, JSON.stringify(ci));
  // Coverage: a 90 % CI on samples with a known +0 % change should contain 0 in most of 200 repeats.
  const rng = mulberry32(11);
  let covered = 0;
  for (let t = 0; t < 200; t++) {
    const h = Array.from({ length: 15 }, () => 100 + 3 * rng.normal());
    const c = Array.from({ length: 15 }, () => 100 + 3 * rng.normal());
    const r = bootstrapRelativeChange(c, h, { direction: 'higher', seed: t, level: 0.9, resamples: 400 });
    if (r.lowPct <= 0 && r.highPct >= 0) covered++;
  }
  assert.ok(covered >= 160 && covered <= 196, `coverage ${covered}/200`);
});
