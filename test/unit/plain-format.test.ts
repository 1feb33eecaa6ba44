import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { byCodePoint, groupThousands } from '../../src/core/text/plain-format.js';

test('groupThousands groups like en-US toLocaleString for the counts gdnctl prints', () => {
  for (const n of [0, 7, 999, 1000, 1234, 999999, 1000000, 1234567, 987654321012, -1234, -999, 12.5, 1234.5])
    assert.equal(groupThousands(n), n.toLocaleString('en-US', { maximumFractionDigits: 20 }), String(n));
  assert.equal(groupThousands(Number.NaN), 'NaN');
});

test('byCodePoint is a total order, ASCII order for ASCII names, and stable across locales', () => {
  assert.deepEqual(['b', 'B', 'a', 'aa', '', 'Z', '_x'].sort(byCodePoint), ['', 'B', 'Z', '_x', 'a', 'aa', 'b']);
  assert.equal(byCodePoint('x', 'x'), 0);
  assert.ok(byCodePoint('é', 'z') > 0, 'code points, not collation');
});

// Intl's first use maps ICU locale data (5 MiB for number or date formatting, 2 MiB for collation) into the loop
// process for its whole life (docs/performance.md "Memory"). A new call in src/ would silently undo that.
test('no src/ file formats or sorts through Intl (toLocaleString, localeCompare, Intl.*)', () => {
  const hits: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts'))
        readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          if (/\.toLocale\w*String\(|\.localeCompare\(|\bIntl\./.test(code)) hits.push(`${p}:${i + 1}: ${line.trim()}`);
        });
    }
  };
  walk('src');
  assert.deepEqual(hits, [], 'use src/core/text/plain-format.ts instead');
});
