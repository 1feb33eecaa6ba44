import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffHotspots, hotspotDiffMarkdown, type Hotspot } from '../../src/core/hotspots.js';

const op = (name: string, totalUs: number, share: number, count = 1): Hotspot => ({ name, totalUs, count, share });

const champion = { ops: [op('gdn_chunk_fwd', 700, 0.7), op('fusion.3', 200, 0.2), op('copy.1', 100, 0.1)], totalUs: 1000, stepTimeMs: 4 };
const candidate = { ops: [op('gdn_chunk_fwd', 400, 0.5), op('fusion.3', 250, 0.3125), op('transpose.9', 150, 0.1875)], totalUs: 800, stepTimeMs: 3.2 };

test('per-op deltas in µs and share, the biggest movers first; an op only one side lists counts as 0 on the other', () => {
  const d = diffHotspots(champion, candidate);
  assert.deepEqual(d.movers.map((m) => [m.name, m.deltaUs]), [['gdn_chunk_fwd', -300], ['transpose.9', 150], ['copy.1', -100], ['fusion.3', 50]]);
  const copy = d.movers.find((m) => m.name === 'copy.1')!;
  assert.equal(copy.candidateUs, undefined);
  assert.equal(copy.championUs, 100);
  assert.equal(copy.deltaShare, -0.1);
  assert.equal(d.movers[0]!.deltaShare, -0.2);
  assert.deepEqual(d.champion, { totalUs: 1000, stepTimeMs: 4, dominant: 'gdn_chunk_fwd' });
  assert.deepEqual(d.candidate, { totalUs: 800, stepTimeMs: 3.2, dominant: 'gdn_chunk_fwd' });
  assert.equal(d.dominantUnchanged, true);
});

test('"dominant op unchanged" means the same op tops both; a new top op is a change', () => {
  const moved = { ops: [op('gdn_chunk_fwd', 200, 0.3), op('fusion.3', 400, 0.6)] };
  const d = diffHotspots(champion, moved);
  assert.equal(d.dominantUnchanged, false);
  assert.equal(d.candidate.dominant, 'fusion.3');
  assert.equal(d.candidate.totalUs, 600, 'the sum of the listed ops when the summary has no total');
  assert.equal(diffHotspots({ ops: [] }, moved).dominantUnchanged, false);
});

test('the top-movers cut keeps both dominant ops', () => {
  const many = { ops: [op('big', 1000, 0.5), ...Array.from({ length: 10 }, (_, i) => op(`small.${i}`, 100, 0.05))] };
  const after = { ops: [op('big', 1001, 0.5), ...Array.from({ length: 10 }, (_, i) => op(`small.${i}`, 200 + i, 0.05))] };
  const d = diffHotspots(many, after, 3);
  assert.deepEqual(d.movers.map((m) => m.name), ['small.9', 'small.8', 'small.7', 'big']);
});

test('markdown: totals, step time, one row per mover with signed deltas, and the dominant-op line', () => {
  const md = hotspotDiffMarkdown(diffHotspots(champion, candidate), { champion: 'iter-001', candidate: 'iter-002' });
  const lines = md.split('\n');
  assert.equal(lines[0], 'Profile of iter-002 against the champion iter-001: device time 1.000 → 0.800 ms (−20.0 %); mean step 4 → 3.2 ms (−20.0 %). Top movers:');
  assert.equal(lines[2], '| op | champion ms | candidate ms | Δ ms | champion share | candidate share | Δ share |');
  assert.equal(lines[4], '| `gdn_chunk_fwd` | 0.700 | 0.400 | −0.300 | 70.0% | 50.0% | −20.0 pp |');
  assert.equal(lines[5], '| `transpose.9` | — | 0.150 | +0.150 | — | 18.8% | +18.8 pp |');
  assert.match(md, /Dominant op unchanged: `gdn_chunk_fwd` tops both profiles\. — = not among that profile's listed ops\.\n$/);
  const same = hotspotDiffMarkdown(diffHotspots(champion, champion), { champion: 'iter-001', candidate: 'iter-002' });
  assert.match(same, /tops both profiles\.\n$/, 'no footnote when every op is listed on both sides');
  const changed = hotspotDiffMarkdown(diffHotspots(champion, { ops: [op('a|b', 5, 1)] }), { champion: 'baseline', candidate: 'iter-003' });
  assert.match(changed, /\| `a\\\|b` \|/);
  assert.match(changed, /Dominant op: `gdn_chunk_fwd` in the champion, `a\|b` in the candidate\./);
});
