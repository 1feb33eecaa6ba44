#!/usr/bin/env node
// Runs the node:test suites with tsx. On Node 20, `node --test <dir>` silently runs 0 .ts tests and exits 0,
// so this script lists the files itself and fails when it found no test or the runner counted none.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const suites = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const wanted = suites.length > 0 ? suites : ['unit', 'integration', 'e2e'];

function walk(dir) {
  let out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = wanted.flatMap((s) => walk(join(root, 'test', s)));
if (files.length === 0) {
  console.error(`run-tests: no *.test.ts files under test/{${wanted.join(',')}}`);
  process.exit(1);
}
const tapDir = mkdtempSync(join(tmpdir(), 'gdnctl-tap-'));
const tap = join(tapDir, 'report.tap');
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tap}`,
  ...files.map((f) => relative(root, f)),
];
const res = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, METADATA_SERVER_DETECTION: 'none' } });
let total = 0;
try {
  const m = /^# tests (\d+)$/m.exec(readFileSync(tap, 'utf8'));
  total = m ? Number(m[1]) : 0;
} catch {
  total = 0;
}
rmSync(tapDir, { recursive: true, force: true });
if (total === 0) {
  console.error('run-tests: the runner reported 0 tests; failing on purpose');
  process.exit(1);
}
process.exit(res.status ?? 1);
