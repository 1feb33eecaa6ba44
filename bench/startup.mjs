#!/usr/bin/env node
// Cold start of the built CLI (`npm run bench:startup` builds first). Each case runs as a fresh process, the
// cases interleaved round by round (shuffled) so background load hits them alike; medians of BENCH_RUNS (default 20).
// Separate, untimed probe runs record which modules each command loaded: the TPU client stack must not be, and
// neither zod nor yaml for these (test/e2e/start-up-modules.test.ts asserts it).
// Prints one JSON object.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 20);
const bin = join(root, 'bin', 'gdnctl');
const bundle = join(root, 'dist', 'bundle', 'main.js');
if (!existsSync(bundle)) {
  console.error('bench: dist/bundle/main.js is missing; run npm run build first');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'gdnctl-bench-'));
const env = { PATH: process.env.PATH, HOME: work, NO_COLOR: '1', GIT_CONFIG_NOSYSTEM: '1' };
const git = (...a) =>
  execFileSync('git', ['-C', work, ...a], {
    env: { ...env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' },
    encoding: 'utf8',
  }).trim();
git('init', '-q', '-b', 'main');
writeFileSync(join(work, 'kernel.py'), 'x = 1\n');
git('add', '.');
git('commit', '-q', '-m', 'kernel');
const sha = git('rev-parse', 'HEAD');
const log = join(work, 'lib/levanter/.agents/projects/gdn_pallas_tpu_hillclimb.md');
mkdirSync(dirname(log), { recursive: true });
let text = '# GDN hill-climb log\n\n';
for (let i = 1; i <= 10; i++) {
  text += `### Iteration ${i} - step\n- Date: 2026-11-23\n- Commit: ${sha.slice(0, 10)}\n- Hypothesis: h\n- Change summary: c\n- Correctness checks: ok\n- MFU/throughput delta: +1%\n- Next hypothesis: n\n\n`;
}
writeFileSync(log, text);

const cases = {
  bareNode: { argv: [process.execPath, '-e', '0'] },
  help: { argv: [bin, '--help'] },
  helpDirect: { argv: [process.execPath, bundle, '--help'] },
  lintLog: { argv: [bin, 'lint-log', '--scope', 'all'] },
  directivesList: { argv: [bin, 'directives', 'list'] },
};

// On a shared machine wall time swings with other load; the CPU time the child itself used (user + sys, from
// GNU time, same wrapper for every case) is the steadier second opinion.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const cpuFile = join(work, 'cpu.txt');

function once(c, extraEnv = {}) {
  const argv = gnuTime ? [gnuTime, '-f', '%U %S', '-o', cpuFile, ...c.argv] : c.argv;
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: work, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${c.argv.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  const cpu = gnuTime ? readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number) : [NaN, NaN];
  return { ms, cpuMs: (cpu[0] + cpu[1]) * 1000 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const c of Object.values(cases)) once(c); // warm the page cache; not counted
  // A fresh order each round (fixed seed): a case that always follows another inherits its cache/CPU state.
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < runs; i++) {
    const order = Object.entries(cases)
      .map((e) => [rand(), e])
      .sort((a, b) => a[0] - b[0])
      .map(([, e]) => e);
    for (const [k, c] of order) {
      const r = once(c);
      times[k].push(r.ms);
      cpu[k].push(r.cpuMs);
    }
  }

  // Which bundle chunk carries which package (written by scripts/build.mjs).
  const meta = JSON.parse(readFileSync(join(root, 'dist', 'bundle', 'metafile.json'), 'utf8'));
  const chunksWith = (re) =>
    Object.entries(meta.outputs)
      .filter(([, o]) => Object.keys(o.inputs).some((i) => re.test(i)))
      .map(([f]) => join(root, f));
  const yamlChunks = chunksWith(/node_modules[\\/]yaml[\\/]/);
  const zodChunks = chunksWith(/node_modules[\\/]zod[\\/]/);
  const probeFile = join(work, 'modules.json');
  const probe = pathToFileURL(join(root, 'bench', 'module-probe.mjs')).href;
  const loaded = {};
  for (const k of ['help', 'lintLog', 'directivesList']) {
    once(cases[k], { NODE_OPTIONS: `--import=${probe}`, GDNCTL_MODULE_PROBE_OUT: probeFile });
    const mods = JSON.parse(readFileSync(probeFile, 'utf8'));
    const has = (re) => mods.some((m) => re.test(m));
    loaded[k] = {
      modules: mods.length,
      googleCloudTpu: has(/node_modules[\\/]@google-cloud[\\/]tpu[\\/]/),
      googleGax: has(/node_modules[\\/]google-gax[\\/]/),
      pino: has(/node_modules[\\/]pino[\\/]/),
      yaml: has(/node_modules[\\/]yaml[\\/]/) || mods.some((m) => yamlChunks.some((c) => m.endsWith(c))),
      zod: has(/node_modules[\\/]zod[\\/]/) || mods.some((m) => zodChunks.some((c) => m.endsWith(c))),
    };
  }

  const bare = median(times.bareNode);
  const bareCpu = median(cpu.bareNode);
  const round = (x) => Math.round(x * 10) / 10;
  const result = {
    runs,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: (await import('node:os')).loadavg().map(round),
    medianMs: {},
    deltaVsBareNodeMs: {},
    medianCpuMs: {},
    cpuDeltaVsBareNodeMs: {},
  };
  for (const k of Object.keys(cases)) {
    result.medianMs[k] = round(median(times[k]));
    result.medianCpuMs[k] = round(median(cpu[k]));
    if (k !== 'bareNode') {
      result.deltaVsBareNodeMs[k] = round(median(times[k]) - bare);
      result.cpuDeltaVsBareNodeMs[k] = round(median(cpu[k]) - bareCpu);
    }
  }
  // Issue 14's targets, over the bare-node floor measured in the same rounds.
  result.targetHelpDeltaMs = 30;
  result.helpWithinTarget = result.deltaVsBareNodeMs.help <= 30;
  result.targetLintLogDeltaMs = 50;
  result.lintLogWithinTarget = result.deltaVsBareNodeMs.lintLog <= 50;
  result.tpuStackLoaded = Object.values(loaded).some((l) => l.googleCloudTpu || l.googleGax);
  result.loaded = loaded;
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
