/**
 * The layer rules (.dependency-cruiser.cjs, docs/architecture.md "Layers") catch what they promise: each
 * forbidden import in a throw-away tree fails the check with the rule and the offending import named, and a
 * tree that keeps the rules passes. `npm run lint` runs the same config on src/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-layers-'));
  try {
    const tree = { 'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }), ...files };
    for (const [p, text] of Object.entries(tree)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const r = spawnSync(DEPCRUISE, ['src', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const leaf = 'export const x = 1;\n';
const cases: Array<{ name: string; files: Record<string, string>; rule: string; edge: string }> = [
  { name: 'core → cli', files: { 'src/core/a.ts': "import { x } from '../cli/b.js';\nexport const y = x;\n", 'src/cli/b.ts': leaf }, rule: 'core-is-pure', edge: 'src/core/a.ts → src/cli/b.ts' },
  { name: 'core → adapters', files: { 'src/core/loop/a.ts': "import { x } from '../../adapters/b.js';\nexport const y = x;\n", 'src/adapters/b.ts': leaf }, rule: 'core-is-pure', edge: 'src/core/loop/a.ts → src/adapters/b.ts' },
  { name: 'core → config (type only)', files: { 'src/core/a.ts': "import type { X } from '../config/b.js';\nexport type Y = X;\n", 'src/config/b.ts': 'export type X = number;\n' }, rule: 'core-is-pure', edge: 'src/core/a.ts → src/config/b.ts' },
  { name: 'core → node:fs', files: { 'src/core/a.ts': "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n" }, rule: 'core-does-no-io', edge: 'src/core/a.ts → fs' },
  { name: 'core → child_process', files: { 'src/core/measure/a.ts': "import { spawn } from 'child_process';\nexport const y = spawn;\n" }, rule: 'core-does-no-io', edge: 'src/core/measure/a.ts → child_process' },
  { name: 'adapters → cli', files: { 'src/adapters/a.ts': "import { x } from '../cli/b.js';\nexport const y = x;\n", 'src/cli/b.ts': leaf }, rule: 'adapters-below-core-loop', edge: 'src/adapters/a.ts → src/cli/b.ts' },
  { name: 'adapters → core/run', files: { 'src/adapters/git/a.ts': "import { x } from '../../core/run/b.js';\nexport const y = x;\n", 'src/core/run/b.ts': leaf }, rule: 'adapters-below-core-loop', edge: 'src/adapters/git/a.ts → src/core/run/b.ts' },
  { name: 'config → cli', files: { 'src/config/a.ts': "import { x } from '../cli/b.js';\nexport const y = x;\n", 'src/cli/b.ts': leaf }, rule: 'config-below-cli', edge: 'src/config/a.ts → src/cli/b.ts' },
  { name: 'a cycle', files: { 'src/cli/a.ts': "import { y } from './b.js';\nexport const x = () => y;\n", 'src/cli/b.ts': "import { x } from './a.js';\nexport const y = () => x;\n" }, rule: 'no-cycles', edge: 'src/cli/a.ts' },
];

for (const c of cases) {
  test(`layer rules: ${c.name} fails, naming the rule and the import`, () => {
    const r = cruise(c.files);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`${c.rule}: ${c.edge.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), r.out);
  });
}

test('layer rules: imports that follow the layers pass (cli → core → ports, adapters → core/text, everyone → errors)', () => {
  const r = cruise({
    'src/errors.ts': 'export class UsageError extends Error {}\n',
    'src/ports/git.ts': 'export interface Git { head(): Promise<string> }\n',
    'src/core/text/pad.ts': "export const pad = (i: number): string => String(i).padStart(3, '0');\n",
    'src/core/loop/a.ts': "import type { Git } from '../../ports/git.js';\nimport { UsageError } from '../../errors.js';\nexport const f = (g: Git) => [g, UsageError];\n",
    'src/adapters/a.ts': "import { pad } from '../core/text/pad.js';\nimport { UsageError } from '../errors.js';\nexport const g = [pad, UsageError];\n",
    'src/config/a.ts': "import { pad } from '../core/text/pad.js';\nexport const h = pad;\n",
    'src/cli/a.ts': "import { f } from '../core/loop/a.js';\nimport { g } from '../adapters/a.js';\nimport { h } from '../config/a.js';\nexport const all = [f, g, h];\n",
  });
  assert.equal(r.status, 0, r.out);
});
