import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function repo(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'gdnctl-init-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', root]);
  writeFileSync(join(root, 'bench.sh'), 'echo "GDNCTL_METRIC {\\"step_ms\\": 12.5}"\n');
  writeFileSync(join(root, 'test.sh'), 'exit 0\n');
  return root;
}

const FLAGS = ['--goal', 'Faster GDN forward', '--metric', 'step_ms', '--direction', 'lower', '--target', '10', '--min-improvement-pct', '2', '--post-check', 'bash test.sh', '--bench', 'bash bench.sh'];

test('init --yes checks both commands and writes gdnctl.yaml and experiment-plan.md', async (t) => {
  const root = repo(t);
  const r = await runCli(['init', '--yes', ...FLAGS, '--scope-glob', 'src/**'], root);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /regression tests: ok/);
  assert.match(r.stdout, /benchmark: step_ms = 12\.5/);
  const cfg = parse(readFileSync(join(root, 'gdnctl.yaml'), 'utf8'));
  // The files the two commands run are recorded as protected (root scripts: only themselves).
  assert.deepEqual(cfg, { goal: 'Faster GDN forward', scopeGlob: ['src/**'], bench: 'bash bench.sh', metric: 'step_ms', direction: 'lower', target: 10, minImprovementPct: 2, postCheck: ['bash test.sh'], protect: ['bench.sh', 'test.sh'] });
  const plan = readFileSync(join(root, 'experiment-plan.md'), 'utf8');
  assert.match(plan, /- Goal: Faster GDN forward/);
  assert.match(plan, /- Target: 10/);
  assert.match(plan, /- Scope: src\/\*\*/);
  // The written file is valid config for the loop: print-config reads it back.
  const pc = await runCli(['--print-config', 'baseline'], root);
  assert.equal(pc.code, 0, pc.stderr);
  assert.match(pc.stdout, /bench.*bash bench\.sh.*file/);
});

test('init records the folder of a benchmark script as protected (a helper it imports is covered)', async (t) => {
  const root = repo(t);
  mkdirSync(join(root, 'bench'));
  writeFileSync(join(root, 'bench', 'run.mjs'), "import { v } from './helper.mjs';\nconsole.log(`GDNCTL_METRIC {\"step_ms\": ${v}}`);\n");
  writeFileSync(join(root, 'bench', 'helper.mjs'), 'export const v = 12.5;\n');
  const flags = FLAGS.map((f) => (f === 'bash bench.sh' ? 'node bench/run.mjs' : f));
  const r = await runCli(['init', '--yes', ...flags], root);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(parse(readFileSync(join(root, 'gdnctl.yaml'), 'utf8')).protect, ['bench', 'test.sh']);
});

test('init --yes with missing answers: exit 2, one line per missing flag, nothing written', async (t) => {
  const root = repo(t);
  const r = await runCli(['init', '--yes', '--goal', 'x', '--bench', 'bash bench.sh'], root);
  assert.equal(r.code, 2);
  for (const f of ['--metric', '--direction', '--target', '--min-improvement-pct', '--post-check']) assert.match(r.stderr, new RegExp(`--yes needs ${f}`));
  assert.doesNotMatch(r.stderr, /--bench|--goal/);
  assert.equal(existsSync(join(root, 'gdnctl.yaml')), false);
});

test('init refuses to run with a failing test command (exit 1) and when gdnctl.yaml exists (exit 2)', async (t) => {
  const root = repo(t);
  writeFileSync(join(root, 'test.sh'), 'echo "1 failed"; exit 1\n');
  const r = await runCli(['init', '--yes', ...FLAGS], root);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /regression-test command failed \(exit 1\)/);
  assert.equal(existsSync(join(root, 'gdnctl.yaml')), false);
  writeFileSync(join(root, 'gdnctl.yaml'), 'goal: old\n');
  const again = await runCli(['init', '--yes', ...FLAGS], root);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /gdnctl\.yaml already exists; edit it, or move it away/);
});

test('interactive init asks in the terminal and refuses "as fast as possible" as a target, then asks again', async (t) => {
  const root = repo(t);
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/main.ts'), 'init'], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const answers = ['Faster GDN forward', 'src/**, kernels/*.py', 'step_ms', 'faster', 'lower', 'as fast as possible', '10 ms', '2%', 'bash test.sh', 'bash bench.sh'];
  child.stdin.end(answers.join('\n') + '\n');
  const code = await new Promise<number | null>((res) => child.on('close', res));
  assert.equal(code, 0, err + out);
  assert.match(out, /"faster" is not a direction; answer higher or lower/);
  assert.match(out, /"as fast as possible" is not a number; give the target value of the metric/);
  const cfg = parse(readFileSync(join(root, 'gdnctl.yaml'), 'utf8'));
  assert.equal(cfg.target, 10);
  assert.equal(cfg.direction, 'lower');
  assert.deepEqual(cfg.scopeGlob, ['src/**', 'kernels/*.py']);
  assert.equal(cfg.minImprovementPct, 2);
});
