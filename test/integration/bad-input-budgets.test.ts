/**
 * Bad input for the run budgets: each case exits 2 with one line naming the key and the fix, and writes nothing
 * (test/helpers/bad-input-case.ts).
 */
import { test } from 'node:test';
import { loop, runBadInputCase, type BadInputCase } from '../helpers/bad-input-case.js';

const cases: BadInputCase[] = [
  {
    name: '--max-cost-usd for a model without a price',
    argv: () => loop('--max-cost-usd', '5'),
    line: /^gdnctl: --max-cost-usd needs the price of model "gpt-5\.4": add modelPrices\.gpt-5\.4: \{inputUsdPerMTok, cachedInputUsdPerMTok, outputUsdPerMTok\} to gdnctl\.yaml/,
  },
  {
    name: '--max-cost-usd priced for another model only',
    argv: () => loop('--max-cost-usd', '5', '--model', 'm2'),
    env: () => ({ GDNCTL_MODEL_PRICES: JSON.stringify({ m1: { inputUsdPerMTok: 1, cachedInputUsdPerMTok: 0.1, outputUsdPerMTok: 4 } }) }),
    line: /modelPrices\.m2/,
  },
  { name: '--max-tokens 0', argv: () => loop('--max-tokens', '0'), line: /--max-tokens/ },
  { name: '--max-tokens 1.5', argv: () => loop('--max-tokens', '1.5'), line: /--max-tokens/ },
  { name: '--max-wall-hours -1', argv: () => loop('--max-wall-hours', '-1'), line: /--max-wall-hours/ },
  { name: '--max-tpu-hours abc', argv: () => loop('--max-tpu-hours', 'abc'), line: /--max-tpu-hours.*abc/ },
  { name: '--max-limit-wait-hours -2', argv: () => loop('--max-limit-wait-hours', '-2'), line: /--max-limit-wait-hours/ },
  {
    name: 'a negative price',
    argv: () => loop(),
    env: () => ({ GDNCTL_MODEL_PRICES: JSON.stringify({ m1: { inputUsdPerMTok: -1, cachedInputUsdPerMTok: 0.1, outputUsdPerMTok: 4 } }) }),
    line: /GDNCTL_MODEL_PRICES/,
  },
];

for (const c of cases) test(c.name, () => runBadInputCase(c));
