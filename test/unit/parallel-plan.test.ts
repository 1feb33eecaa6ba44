import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidateBranch, parallelPlan, parallelProblems, roundOf, roundSlots, slotOf } from '../../src/core/parallel/plan.js';
import { candidatePrompt, directions, slotTexts } from '../../src/core/parallel/diversity.js';
import { rankFinalists } from '../../src/core/parallel/finalists.js';
import { renderPrompt } from '../../src/core/prompt-template.js';

const base = { alpha: 0.05, maxBenchRuns: 20 };

test('numbering: one global iteration per candidate, rounds = ⌈N/K⌉, the last round partial', () => {
  assert.deepEqual(roundSlots(1, 3, 1, 7).map((s) => s.iteration), [1, 2, 3]);
  assert.deepEqual(roundSlots(3, 3, 1, 7), [{ round: 3, slot: 1, iteration: 7 }]);
  assert.equal(roundOf(7, 3), 3);
  assert.equal(slotOf(5, 3), 2);
  // A run that continues from iteration 5 starts mid-round.
  assert.deepEqual(roundSlots(2, 3, 5, 9).map((s) => s.slot), [2, 3]);
  assert.equal(candidateBranch('r-1', 2, 3), 'gdnctl/r-1/r2-c3');
});

test('bad input: K < 1, K above --max-parallel, --plan-first, --bootstrap-infra, an α/K that cannot promote', () => {
  assert.match(parallelProblems({ ...base, parallel: 0 })[0]!, /--parallel 0 runs no candidate/);
  assert.match(parallelProblems({ ...base, parallel: 9 })[0]!, /above --max-parallel 8/);
  assert.deepEqual(parallelProblems({ ...base, parallel: 8 }), []);
  assert.match(parallelProblems({ ...base, parallel: 2, planFirst: true }).join('\n'), /--plan-first/);
  assert.match(parallelProblems({ ...base, parallel: 2, bootstrapInfra: true }).join('\n'), /--bootstrap-infra/);
  const p = parallelProblems({ ...base, parallel: 4, bench: 'b', maxBenchRuns: 3 });
  assert.equal(p.length, 1);
  assert.match(p[0]!, /α\/4 = 0\.013.*--max-bench-runs 5/);
  // The same rule is fine for one candidate: only the split makes it unreachable.
  assert.deepEqual(parallelProblems({ ...base, parallel: 1, bench: 'b', maxBenchRuns: 3 }), []);
  assert.equal(parallelPlan({ ...base, parallel: 4 }).alpha, 0.0125);
});

test('diversity: distinct directions, pins win their slot, the last round\'s ideas come first', () => {
  const prev = [{ slot: 1, iteration: 1, status: 'promoted', change: 'fuse', nextHypothesis: 'tile the loop', considered: ['fuse', 'unroll'] }];
  const d = directions(3, ['use bf16'], prev);
  assert.deepEqual(d.slice(0, 3), ['use bf16', 'tile the loop', 'unroll']);
  assert.equal(new Set(directions(8, [], [])).size, 8);
  const t = slotTexts(2, 3, d, prev);
  assert.match(t[1]!.candidate, /candidate 2 of 3 in round 2; your direction: tile the loop/);
  assert.match(t[1]!.candidates, /candidate 1: use bf16; candidate 3: unroll/);
  assert.match(t[1]!.candidates, /candidate 1 tried "fuse" → promoted/);
});

test('candidatePrompt fills {{CANDIDATE}} and leaves the other placeholders for the loop; without them, a directive', () => {
  const t = { candidate: 'you are candidate 1 of 2 {{X}}', candidates: 'the others are exploring: b' };
  const filled = candidatePrompt('Iter {{ITERATION}}: {{CANDIDATE}}\n{{CANDIDATES}}', [], t);
  assert.equal(renderPrompt(filled.template, { ITERATION: 3 }), 'Iter 3: you are candidate 1 of 2 { {X} }\nthe others are exploring: b');
  const plain = candidatePrompt('Iter {{ITERATION}}', ['d1'], t);
  assert.equal(plain.template, 'Iter {{ITERATION}}');
  assert.equal(plain.directives.length, 2);
  assert.match(plain.directives[1]!, /^Parallel candidates: you are candidate 1 of 2/);
});

test('finalists: ranked by an interleaved round in rotated order, best median first; without a bench by their measured value', async () => {
  const order: string[] = [];
  const speed: Record<string, number> = { a: 90, b: 50, c: 70 };
  const bench = { run: async (cwd: string) => (order.push(cwd), { ok: true as const, value: speed[cwd]!, durationMs: 1 }) };
  const f = [{ slot: 1, dir: 'a' }, { slot: 2, dir: 'b' }, { slot: 3, dir: 'c' }];
  const r = await rankFinalists(f, { bench, direction: 'lower' });
  assert.deepEqual(r.order, [2, 3, 1]);
  assert.deepEqual(order.slice(0, 6), ['a', 'b', 'c', 'b', 'c', 'a']);
  const up = await rankFinalists(f.map((x, i) => ({ ...x, measured: [1, 3, 2][i] })), { direction: 'higher' });
  assert.deepEqual(up.order, [2, 3, 1]);
});
