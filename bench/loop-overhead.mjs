#!/usr/bin/env node
// Loop overhead: 20 iterations with an instant fake agent and a `true` post-check, on a 10-file and a
// 50,000-file repository. Overhead = iteration wall time − the agent's and the post-checks' own process time
// (from each iter-NNN/record.json). The raw-git floor (git status --porcelain + 2× git rev-parse HEAD) is
// measured in the same run on the same repositories. Prints one JSON object.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { benchEnv, initBenchRepo, median } from './bench-repo.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { makeProgram } = await import(join(root, 'dist/cli/program.js'));
const { Interrupt } = await import(join(root, 'dist/cli/interrupt.js'));
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20);
const SIZES = (process.env.BENCH_SIZES ?? '10,50000').split(',').map(Number);

function makeRepo(base, files, e) {
  const dir = join(base, 'repo');
  const git = initBenchRepo(dir, e, (root) => {
    for (let i = 0; i < files; i++) {
      const d = join(root, 'src', `d${Math.floor(i / 500)}`);
      if (i % 500 === 0) mkdirSync(d, { recursive: true });
      writeFileSync(join(d, `f${i}.txt`), `file ${i}\n`);
    }
  });
  // Warm the index stat cache, as a repository someone works in would be.
  git('status', '--porcelain');
  return { dir, git };
}

function floorMs(git, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    git('status', '--porcelain');
    git('rev-parse', 'HEAD');
    git('rev-parse', 'HEAD');
    out.push(performance.now() - t0);
  }
  return out;
}

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

async function measure(files) {
  const base = mkdtempSync(join(tmpdir(), 'gdnctl-bench-'));
  try {
    const home = join(base, 'home');
    mkdirSync(home);
    const e = benchEnv(home);
    const t0 = performance.now();
    const { dir, git } = makeRepo(base, files, e);
    const setupMs = performance.now() - t0;
    const scenario = join(base, 'scenario.json');
    writeFileSync(scenario, JSON.stringify([{ steps: [{ do: 'shell', cmd: 'echo "$$" > "bench-$$.txt" && git add -- "bench-$$.txt" && git commit -q -m bench' }] }]));
    const loopEnv = { ...e, PATH: `${join(root, 'test/fakes/bin')}:${e.PATH}`, FAKE_CODEX_SCENARIO: scenario };
    const floorBefore = floorMs(git, ITERATIONS);
    const cli = makeProgram({ stdout: sink(), stderr: sink(), env: loopEnv, cwd: dir, interrupt: new Interrupt() });
    const code = await cli.run(['codex-loop', '--iterations', String(ITERATIONS), '--sleep-seconds', '0', '--post-check', 'true', '--quiet']);
    if (code !== 0) throw new Error(`loop exited ${code} on the ${files}-file repo`);
    const floorAfter = floorMs(git, ITERATIONS);
    const runsDir = join(dir, '.agents/logs/gdn_codex_loop/runs');
    const run = join(runsDir, readdirSync(runsDir)[0]);
    const overhead = [];
    const phases = {};
    for (let i = 1; i <= ITERATIONS; i++) {
      const rec = JSON.parse(readFileSync(join(run, `iter-${String(i).padStart(3, '0')}`, 'record.json'), 'utf8'));
      overhead.push(rec.durationsMs.total - rec.agentProcessMs - rec.postCheckProcessMs);
      for (const [k, v] of Object.entries(rec.durationsMs)) (phases[k] ??= []).push(v);
    }
    const floor = median([...floorBefore, ...floorAfter]);
    const ov = median(overhead);
    return {
      files,
      setupMs: Math.round(setupMs),
      overheadMsMedian: +ov.toFixed(1),
      overheadMsMax: +Math.max(...overhead).toFixed(1),
      floorMsMedian: +floor.toFixed(1),
      ratio: +(ov / floor).toFixed(2),
      phaseMsMedian: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, +median(v).toFixed(1)])),
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

const results = [];
for (const n of SIZES) results.push(await measure(n));
const big = results.find((r) => r.files === Math.max(...SIZES));
process.stdout.write(
  JSON.stringify({ bench: 'loop-overhead', iterations: ITERATIONS, node: process.version, results, target: 'overhead <= 2x floor on the largest repo', met: big ? big.ratio <= 2 : null }, null, 2) + '\n',
);
