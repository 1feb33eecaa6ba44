/**
 * Every setting the loop shares with a post-check subcommand reaches it (issue: "post-checks don't see the
 * loop's settings"): for each shared key, a loop resolved with a non-default value hands the child an
 * environment under which the child resolves the same value; a flag written into the post-check still wins.
 * The keys come from the schema, so a new shared key is tested without editing this file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve.js';
import { CHILD_COMMANDS, sharedSettingFields, sharedSettingsEnv } from '../../src/config/shared-env.js';
import type { FieldInfo } from '../../src/config/fields.js';

/** A value for the field that differs from its default and passes validation. */
function sample(f: FieldInfo, dir: string): unknown {
  if (f.meta.path) return f.kind === 'list' ? [join(dir, `${f.key}-a`)] : join(dir, `${f.key}.md`);
  switch (f.kind) {
    case 'boolean':
      return !f.defaultValue;
    case 'number':
      return typeof f.defaultValue === 'number' ? f.defaultValue + 1 : 7;
    case 'enum':
      return f.choices!.find((c) => c !== f.defaultValue)!;
    case 'list':
      return f.elementKind === 'enum' ? [f.choices![0]] : ['from-the-loop/**'];
    case 'json':
      return f.key === 'clusters' ? { 'my-zone': { zone: 'europe-west4-a', runtimeVersion: 'v2-alpha-tpuv5' } } : {};
    default:
      return /url|endpoint/i.test(f.key) ? 'http://127.0.0.1:9' : `from-the-loop-${f.key}`;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'gdnctl-shared-env-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const env = { HOME: dir } as NodeJS.ProcessEnv;
const shared = sharedSettingFields();

test('shared settings: the schema names the keys the loop shares with its post-check subcommands', () => {
  const keys = shared.map((f) => f.key);
  for (const k of ['hillclimbLog', 'logDir', 'clusters', 'project'] as const) assert.ok(keys.includes(k), `${k} is shared`);
  assert.ok(!keys.includes('workdir') && !keys.includes('verbose'), 'global console/cwd keys are not shared');
});

for (const f of shared) {
  test(`shared settings: ${f.key} set on the loop is what its post-check subcommands resolve`, () => {
    const value = sample(f, dir);
    const loop = resolveConfig({ command: 'codex-loop', flags: { [f.key]: value, iterations: 1 }, env, cwd: dir });
    assert.deepEqual((loop.values as Record<string, unknown>)[f.key], value);
    const childEnv = { ...env, ...sharedSettingsEnv(loop.values) };
    assert.ok(f.env in childEnv, `${f.env} is handed to the child`);
    for (const child of CHILD_COMMANDS.filter((c) => f.meta.commands.includes(c))) {
      const r = resolveConfig({ command: child, flags: {}, env: childEnv, cwd: dir });
      assert.deepEqual((r.values as Record<string, unknown>)[f.key], value, `${child} sees the loop's ${f.key}`);
      assert.equal(r.sources[f.key as keyof typeof r.sources], 'env');
    }
  });
}

test("shared settings: a flag written into the post-check's command line wins over the loop's value", () => {
  const loop = resolveConfig({ command: 'codex-loop', flags: { hillclimbLog: join(dir, 'loop.md'), iterations: 1 }, env, cwd: dir });
  const r = resolveConfig({ command: 'lint-log', flags: { hillclimbLog: join(dir, 'own.md') }, env: { ...env, ...sharedSettingsEnv(loop.values) }, cwd: dir });
  assert.equal(r.values.hillclimbLog, join(dir, 'own.md'));
});
