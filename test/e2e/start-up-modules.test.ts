/**
 * What each start-up path loads, through the module probe (bench/module-probe.mjs) on the real bundle: the
 * packages and source files named here are the expensive ones the path does not need. No timing (the numbers are
 * `npm run bench:startup` / `bench:loop-overhead`); a static import that drags one back in fails here.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bin, bundle, root, staleBundle } from '../helpers/bundle.js';

const stale = staleBundle;

const temps: string[] = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** Which bundle files carry an input (a package folder or a source file), from the build's metafile. */
function chunksWith(re: RegExp): string[] {
  const meta = JSON.parse(readFileSync(join(root, 'dist', 'bundle', 'metafile.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  return Object.entries(meta.outputs)
    .filter(([f, o]) => f.endsWith('.js') && Object.keys(o.inputs).some((i) => re.test(i)))
    .map(([f]) => pathToFileURL(join(root, f)).href);
}

const HEAVY: Record<string, RegExp> = {
  zod: /node_modules[\\/]zod[\\/]/,
  'the config schema': /src[\\/]config[\\/]schema\.ts$/,
  yaml: /node_modules[\\/]yaml[\\/]/,
  pino: /node_modules[\\/]pino[\\/]/,
  'simple-git': /node_modules[\\/]simple-git[\\/]/,
  'the TPU client': /node_modules[\\/](@google-cloud[\\/]tpu|google-gax)[\\/]/,
  'the parallel composition': /src[\\/]cli[\\/]loop[\\/]parallel-(seams|bench)\.ts$/,
  'the remote bench site': /src[\\/]cli[\\/]measure[\\/]bench-site\.ts$/,
  'the baseline measurer': /src[\\/]cli[\\/]measure[\\/]baseline-action\.ts$/,
  'the TPU hold': /src[\\/]adapters[\\/]tpu[\\/]tpu-hold-factory\.ts$/,
  // codex-loop's composition root is imported early, while the config resolves (CommandSpec.preload), but only
  // for a parse that will run the loop. execa is not on the loop's path at all: the agent and the checks are
  // spawned through node:child_process (ChildProcessRunner).
  'the loop': /src[\\/]cli[\\/]loop[\\/]run-codex-loop\.ts$/,
  execa: /node_modules[\\/]execa[\\/]/,
  // ~8 ms to load; the loop's hashes (src/core/text/sha256.ts) and random names (random-hex.ts) do without it.
  'node:crypto': /^node:crypto$/,
};

/** The names of HEAVY that a module list holds (a package from node_modules, or a bundle chunk carrying it). */
function heavyIn(mods: string[], names: string[]): string[] {
  return names.filter((n) => {
    const re = HEAVY[n]!;
    const chunks = chunksWith(re);
    return mods.some((m) => re.test(m) || chunks.includes(m));
  });
}

/** The probe writes outside the repository: a file in the tree would be the loop's "leftovers". */
function probeEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out = `${dir}.probe`;
  mkdirSync(out, { recursive: true });
  temps.push(out);
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    NO_COLOR: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    NODE_OPTIONS: `--import=${pathToFileURL(join(root, 'bench', 'module-probe.mjs')).href}`,
    GDNCTL_MODULE_PROBE_OUT: join(out, 'modules.json'),
    ...extra,
  };
}

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-modules-'));
  temps.push(dir);
  const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { env: { ...probeEnv(dir), NODE_OPTIONS: '' } });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 't');
  git('config', 'user.email', 't@example.invalid');
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  git('add', '.');
  git('commit', '-q', '-m', 'a');
  return dir;
}

const ALL = Object.keys(HEAVY);

test('--help loads none of the heavy modules', { skip: stale }, () => {
  const dir = repo();
  const r = spawnSync(bin, ['--help'], { cwd: dir, env: probeEnv(dir), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const mods = JSON.parse(readFileSync(join(`${dir}.probe`, 'modules.json'), 'utf8')) as string[];
  assert.deepEqual(heavyIn(mods, ALL), []);
  assert.ok(mods.length < 20, `--help loaded ${mods.length} modules`);
});

test('lint-log with a flag, no config file: no zod, no schema, no yaml', { skip: stale }, () => {
  const dir = repo();
  mkdirSync(join(dir, 'log'));
  writeFileSync(join(dir, 'log', 'h.md'), '# log\n');
  const r = spawnSync(bin, ['lint-log', '--scope', 'all', '--log-file', 'log/h.md', '--no-verify-commits'], { cwd: dir, env: probeEnv(dir), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const mods = JSON.parse(readFileSync(join(`${dir}.probe`, 'modules.json'), 'utf8')) as string[];
  assert.deepEqual(heavyIn(mods, ALL), []);
});

test('lint-log with a value only zod can judge still gives zod\'s message and exit 2 (the schema loads then)', { skip: stale }, () => {
  const dir = repo();
  const r = spawnSync(bin, ['lint-log', '--required-fields', 'A|'], { cwd: dir, env: probeEnv(dir), encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^gdnctl: --required-fields: .*no empty spelling around "\|"/m);
  const mods = JSON.parse(readFileSync(join(`${dir}.probe`, 'modules.json'), 'utf8')) as string[];
  assert.deepEqual(heavyIn(mods, ['zod', 'the config schema']), ['zod', 'the config schema']);
});

test('codex-loop, before its first agent starts: no zod, yaml, simple-git, execa, TPU, parallel or measurement stack', { skip: stale }, () => {
  const dir = repo();
  const binDir = join(dir, '.bin');
  mkdirSync(binDir);
  // The agent asks for a snapshot of what gdnctl has loaded, then does nothing (the iteration ends "no commit").
  writeFileSync(join(binDir, 'codex'), '#!/bin/sh\ncase "$*" in *--help*) cat "$FAKE_HELP"; exit 0;; esac\nkill -USR2 $PPID\nsleep 0.3\ncat >/dev/null\nexit 0\n');
  chmodSync(join(binDir, 'codex'), 0o755);
  writeFileSync(join(dir, '.git', 'info', 'exclude'), '.bin/\n');
  const env = probeEnv(dir, {
    PATH: `${binDir}:${process.env.PATH ?? ''}`,
    GDNCTL_MODULE_PROBE_SIGNAL: 'SIGUSR2',
    FAKE_HELP: join(root, 'test', 'fakes', 'bin', 'codex-exec-help.txt'),
  });
  const r = spawnSync(bin, ['codex-loop', '--iterations', '1', '--sleep-seconds', '0', '--quiet'], { cwd: dir, env, encoding: 'utf8' });
  const file = join(`${dir}.probe`, 'modules.json.1');
  assert.ok(existsSync(file), `the agent never started: ${r.stderr}`);
  const mods = JSON.parse(readFileSync(file, 'utf8')) as string[];
  assert.deepEqual(heavyIn(mods, ALL.filter((n) => n !== 'pino' && n !== 'the loop')), []);
  assert.deepEqual(heavyIn(mods, ['the loop']), ['the loop']);
});

test('codex-loop --help and --print-config do not load the loop they will not run', { skip: stale }, () => {
  for (const argv of [['codex-loop', '--help'], ['--print-config', 'codex-loop'], ['help', 'codex-loop']]) {
    const dir = repo();
    const r = spawnSync(bin, argv, { cwd: dir, env: probeEnv(dir), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const mods = JSON.parse(readFileSync(join(`${dir}.probe`, 'modules.json'), 'utf8')) as string[];
    assert.deepEqual(heavyIn(mods, ['the loop', 'execa']), [], argv.join(' '));
  }
});
