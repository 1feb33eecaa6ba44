import { test } from 'node:test';
import assert from 'node:assert/strict';
import { costUsd, totalTokens, type ModelPrice } from '../../src/core/budget/prices.js';
import { exhaustedBefore, msUntilTimeCap, timeExhausted } from '../../src/core/budget/caps.js';

const PRICE: ModelPrice = { inputUsdPerMTok: 2, cachedInputUsdPerMTok: 0.5, outputUsdPerMTok: 8, cacheWriteUsdPerMTok: 2.5 };
const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

test('codex: cached input is part of input at the cached rate; reasoning is part of output, not added again', () => {
  // 1M input of which 400k cached, 300k output of which 120k reasoning.
  const t = { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 300_000, reasoningOutputTokens: 120_000 };
  close(costUsd('codex', t, PRICE), 0.6 * 2 + 0.4 * 0.5 + 0.3 * 8);
  // The reasoning count changes nothing; a cache-write count (codex reports 0) neither.
  close(costUsd('codex', { ...t, reasoningOutputTokens: 0, cacheWriteTokens: 0 }, PRICE), costUsd('codex', t, PRICE));
  assert.equal(totalTokens(t), 1_300_000);
});

test('claude: input as recorded holds cache reads and writes, each at its own rate; writes default to the input rate', () => {
  // Recorded the codex way by the reader: 200k fresh + 100k written + 50k read = 350k input.
  const t = { inputTokens: 350_000, cachedInputTokens: 50_000, outputTokens: 10_000, cacheWriteTokens: 100_000 };
  close(costUsd('claude', t, PRICE), 0.2 * 2 + 0.05 * 0.5 + 0.1 * 2.5 + 0.01 * 8);
  const noWritePrice = { ...PRICE, cacheWriteUsdPerMTok: undefined };
  close(costUsd('claude', t, noWritePrice), 0.3 * 2 + 0.05 * 0.5 + 0.01 * 8);
  // The codex formula would price the writes as fresh input: the two formulas differ exactly there.
  close(costUsd('claude', t, PRICE) - costUsd('codex', t, PRICE), 0.1 * (2.5 - 2));
});

test('the committed spend: the next iteration starts only when the largest one so far still fits', () => {
  const tok = (n: number) => ({ inputTokens: n, cachedInputTokens: 0, outputTokens: 0 });
  const caps = { maxTokens: 1000 };
  assert.equal(exhaustedBefore(caps, { tokens: tok(0), completed: [] }), undefined, 'the first iteration always starts');
  assert.equal(exhaustedBefore(caps, { tokens: tok(600), completed: [{ tokens: tok(400) }, { tokens: tok(200) }] }), undefined, '600 + 400 = 1000 fits');
  const over = exhaustedBefore(caps, { tokens: tok(700), completed: [{ tokens: tok(400) }, { tokens: tok(300) }] });
  assert.equal(over?.reason, 'budget-tokens');
  assert.match(over?.detail ?? '', /largest iteration so far took 400/);
  assert.equal(exhaustedBefore(caps, { tokens: tok(1000), completed: [] })?.reason, 'budget-tokens', 'spent in full');
});

test('time caps: wall before TPU, and the time left at the current chip rate', () => {
  const b = { maxWallMs: 10_000, maxTpuChipMs: 40_000 };
  assert.equal(timeExhausted(b, { wallMs: 9_999, tpuChipMs: 39_999 }), undefined);
  assert.equal(timeExhausted(b, { wallMs: 10_000, tpuChipMs: 0 })?.reason, 'budget-wall');
  assert.equal(timeExhausted(b, { wallMs: 0, tpuChipMs: 40_000 })?.reason, 'budget-tpu');
  // 8 chips: 40k chip-ms last 5 s of holding, before the wall's 10 s.
  assert.equal(msUntilTimeCap(b, { wallMs: 0, tpuChipMs: 0 }, 8), 5_000);
  assert.equal(msUntilTimeCap(b, { wallMs: 0, tpuChipMs: 0 }, undefined), 10_000, 'no TPU held: only the wall counts');
});
