import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { opt } from '../../src/config/option-meta.js';
import { configSchema, optionFields } from '../../src/config/schema.js';
import { fields, type FastCheck } from '../../src/config/fields.js';
import { fastParse } from '../../src/config/fast-validate.js';
import { describeFields } from '../../src/config/field-describe.js';

// Values around every bound the options use, of every type, so a FastCheck that forgot one of zod's checks
// (an int, a max, a min length, a refine) accepts one of them and the test below catches it.
const scalars: unknown[] = [
  '', ' ', 'a', 'abc', 'last-entry', 'all', 'pretty', 'json',
  -1, -0.0001, 0, 0.0001, 0.05, 0.5, 1, 1.5, 2, 5, 20, 21, 200, 201, 3600, 3601, 1e20, NaN, Infinity, -Infinity,
  true, false, null, {},
];

function candidates(c: FastCheck): unknown[] {
  if (c.type === 'enum') return [...scalars, ...c.values, c.values[0] + 'x'];
  if (c.type !== 'list') return scalars;
  const el = candidates(c.element);
  return [...scalars, [], ...el.map((x) => [x]), ...el.map((x) => [el.find((y) => y !== x), x])];
}

test('a value the fast check accepts is one zod accepts, and zod returns it unchanged', () => {
  let checked = 0;
  for (const f of fields()) {
    if (!f.fast) continue;
    const schema = (optionFields as Record<string, z.ZodType>)[f.key]!;
    for (const v of candidates(f.fast)) {
      const fast = fastParse({ [f.key]: v }, [f]);
      const zod = schema.safeParse(v);
      if (fast) {
        assert.ok(zod.success, `${f.key}: fast check accepted ${JSON.stringify(v)}, zod rejects it`);
        assert.deepEqual(fast[f.key], zod.data, f.key);
        checked++;
      }
    }
  }
  assert.ok(checked > 200, `only ${checked} accepted values compared`);
});

test('the fast check vouches for the common simple keys (or start-up would load zod for them)', () => {
  const byKey = new Map(fields().map((f) => [f.key, f]));
  for (const key of ['scope', 'json', 'allowPending', 'workdir', 'logFormat', 'hillclimbLog', 'iterations'] as const) {
    assert.ok(byKey.get(key)?.fast, `${key} has no fast check`);
  }
});

test('every unset key: the table gives what zod gives', () => {
  const fromZod = configSchema.parse({}) as Record<string, unknown>;
  const fromTable = fastParse({}, fields());
  assert.ok(fromTable, 'some unset key needs zod');
  assert.deepEqual(fromTable, fromZod);
  assert.deepEqual(Object.keys(fromTable).sort(), Object.keys(fromZod).sort());
});

test('a key under a pipe or with a refined element is left to zod', () => {
  const table = describeFields({
    piped: opt(z.enum(['a', 'b']).default('a').transform((s) => s.toUpperCase()), { help: 'piped key', commands: ['lint-log'] }),
    refined: optionFields.requiredFields,
    url: opt(z.url().optional(), { help: 'a url', commands: ['lint-log'] }),
  } as unknown as Record<string, z.ZodType>);
  assert.equal(table[0]!.fast, undefined);
  assert.equal(table[0]!.absentIsDefault, false);
  assert.equal(fastParse({}, [table[0]!]), undefined, 'zod would upper-case the default');
  assert.equal(table[1]!.fast, undefined, 'a refined element must not be vouched for');
  assert.equal(fastParse({ refined: ['a|'] }, [table[1]!]), undefined);
  assert.equal(table[2]!.fast, undefined, 'a string format must not be vouched for');
  assert.equal(table[2]!.absentIsDefault, true);
});
