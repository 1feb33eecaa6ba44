import { z } from 'zod';
import { opt } from '../option-meta.js';

const LOOP = ['codex-loop'] as const;

const price = z.number().min(0);
const modelPriceSchema = z.strictObject({
  inputUsdPerMTok: price,
  cachedInputUsdPerMTok: price,
  outputUsdPerMTok: price,
  cacheWriteUsdPerMTok: price.optional(),
});

/**
 * Run budgets and usage-limit waits (src/core/budget/). None of these keys is part of the run or experiment
 * fingerprint (src/core/loop/fingerprint.ts): raising a cap and running the same command again goes on.
 */
export const budgetOptions = {
  maxTokens: opt(z.number().int().positive().optional(), {
    help: 'stop (exit 1, budget-tokens) before an iteration that could take the run past this many tokens (input + output)',
    commands: LOOP,
    valueName: '<n>',
  }),
  maxCostUsd: opt(z.number().positive().optional(), {
    help: 'stop (exit 1, budget-cost) before an iteration that could take the run past this many US dollars; needs modelPrices for --model',
    commands: LOOP,
    valueName: '<usd>',
  }),
  maxWallHours: opt(z.number().positive().optional(), {
    help: 'stop (exit 1, budget-wall) once the run has taken this many hours, also in the middle of an agent pass',
    commands: LOOP,
    valueName: '<h>',
  }),
  maxTpuHours: opt(z.number().positive().optional(), {
    help: 'stop (exit 1, budget-tpu) once the held TPU has cost this many chip-hours (held time × chips)',
    commands: LOOP,
    valueName: '<h>',
  }),
  maxLimitWaitHours: opt(z.number().min(0).default(6), {
    help: 'a usage or rate limit with a reset time is waited out (then the same attempt runs again) for up to this many hours per agent pass',
    commands: LOOP,
    valueName: '<h>',
  }),
  modelPrices: opt(z.record(z.string().min(1), modelPriceSchema).default({}), {
    help: 'prices for --max-cost-usd as JSON/YAML: {MODEL: {inputUsdPerMTok, cachedInputUsdPerMTok, outputUsdPerMTok, cacheWriteUsdPerMTok?}} (USD per million tokens)',
    commands: LOOP,
    valueName: '<json>',
  }),
};
